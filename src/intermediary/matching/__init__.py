"""Cross-script matching of persons between lists: a pure library, no Django import."""

from __future__ import annotations

from intermediary.matching.linkage import BACKENDS, MatchOptions, MatchResult, dedupe, link
from intermediary.matching.normalise import Script, detect_script, fold, name_tokens, normalise_name
from intermediary.matching.records import PersonRecord
from intermediary.matching.similarity import name_similarity
from intermediary.matching.skeleton import romanise, skeleton

__all__ = [
    "BACKENDS",
    "MatchOptions",
    "MatchResult",
    "PersonRecord",
    "Script",
    "dedupe",
    "detect_script",
    "fold",
    "link",
    "name_similarity",
    "name_tokens",
    "normalise_name",
    "romanise",
    "skeleton",
]
