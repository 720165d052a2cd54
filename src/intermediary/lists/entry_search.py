"""The folded key a reviewer's search of list entries runs on: every name an entry gives
(its name and each of ``other_names``), folded by the matching library's rules, the same as
the registry's ``PersonName.search_key``, so one query finds a name in a list and in the
registry alike (``registry.names.query_tokens`` folds the query)."""

from __future__ import annotations

from intermediary.matching.normalise import fold

SEARCH_KEY_LENGTH = 1000


def entry_names(full_name: str, other_names: str) -> list[str]:
    """The names an entry gives, as given: the name, then each of ``other_names``."""
    return [full_name] + [n.strip() for n in other_names.split(";") if n.strip()]


def entry_search_key(full_name: str, other_names: str) -> str:
    """Folded names separated by " | ": a query's every part must occur in the key."""
    return " | ".join(fold(name) for name in entry_names(full_name, other_names))[
        :SEARCH_KEY_LENGTH
    ]
