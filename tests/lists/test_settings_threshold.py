"""``LISTS_MATCH_THRESHOLD`` is read by ``env_float``: garbage or a value outside [0, 1] stops
the application at start, naming the variable, instead of silently matching with nonsense."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from intermediary.settings import env_float

NAME = "LISTS_MATCH_THRESHOLD"


def _read() -> float:
    return env_float(NAME, 0.5, low=0.0, high=1.0)


@pytest.mark.parametrize(("raw", "expected"), [("0.8", 0.8), (" 0 ", 0.0), ("1", 1.0)])
def test_a_probability_is_read(monkeypatch: pytest.MonkeyPatch, raw: str, expected: float) -> None:
    monkeypatch.setenv(NAME, raw)
    assert _read() == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_absent_or_blank_gives_the_default(
    monkeypatch: pytest.MonkeyPatch, raw: str | None
) -> None:
    if raw is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, raw)
    assert _read() == 0.5


@pytest.mark.parametrize("raw", ["high", "0,7", "50%", "1.5", "-0.1", "nan", "inf"])
def test_garbage_or_out_of_range_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        _read()
