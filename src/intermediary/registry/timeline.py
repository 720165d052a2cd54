"""The custody timeline as a state machine: which sequences are possible, and the status.

Pure (no database): services run it over the whole ordered timeline before every write, the
tests run it against random sequences, and figures use STATUS_BY_KIND for the same answer
in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from django.utils.translation import gettext as _

from intermediary.registry.choices import CustodyEventKind as K
from intermediary.registry.choices import PersonStatus


class Phase(Enum):
    NONE = "none"  # nothing recorded yet
    HELD = "held"
    FREE = "free"  # released, repatriated or escaped
    DEAD = "dead"
    CLOSED = "closed"  # remains handed over: the file is closed


ALIVE = (Phase.NONE, Phase.HELD, Phase.FREE)

# kind -> {phase it may follow: phase it leads to}
TRANSITIONS: dict[str, dict[Phase, Phase]] = {
    K.REGISTERED: {Phase.NONE: Phase.HELD, Phase.FREE: Phase.HELD},
    K.VISITED: {Phase.HELD: Phase.HELD},
    K.TRANSFERRED: {Phase.HELD: Phase.HELD},
    K.HOSPITALISED: {Phase.HELD: Phase.HELD},
    K.RELEASED: {Phase.HELD: Phase.FREE},
    K.ESCAPED: {Phase.HELD: Phase.FREE},
    K.REPATRIATED: {Phase.HELD: Phase.FREE, Phase.FREE: Phase.FREE},
    K.DIED: dict.fromkeys(ALIVE, Phase.DEAD),
    K.REMAINS_RECOVERED: dict.fromkeys((*ALIVE, Phase.DEAD), Phase.DEAD),
    K.REMAINS_IDENTIFIED: {Phase.DEAD: Phase.DEAD},
    K.REMAINS_HANDED_OVER: {Phase.DEAD: Phase.CLOSED},
}

# The status an event leaves behind; "visited" leaves the status as it was.
STATUS_BY_KIND: dict[str, PersonStatus] = {
    K.REGISTERED: PersonStatus.HELD,
    K.TRANSFERRED: PersonStatus.HELD,
    K.HOSPITALISED: PersonStatus.HOSPITALISED,
    K.RELEASED: PersonStatus.RELEASED,
    K.REPATRIATED: PersonStatus.REPATRIATED,
    K.ESCAPED: PersonStatus.ESCAPED,
    K.DIED: PersonStatus.DECEASED,
    K.REMAINS_RECOVERED: PersonStatus.DECEASED,
    K.REMAINS_IDENTIFIED: PersonStatus.DECEASED,
    K.REMAINS_HANDED_OVER: PersonStatus.REMAINS_HANDED_OVER,
}
STATUS_CHANGING_KINDS = tuple(STATUS_BY_KIND)


class TimelineError(ValueError):
    """An impossible sequence; the message says why in words a delegate understands."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _refusal(kind: str, phase: Phase) -> str:
    label = K(kind).label
    if phase is Phase.CLOSED:
        return _("Nothing can follow the handover of the remains (here: %(e)s).") % {"e": label}
    if phase is Phase.DEAD and kind == K.DIED:
        return _("The person is already recorded as dead: a second death is impossible.")
    if phase is Phase.DEAD:
        return _("%(e)s cannot follow the person's death.") % {"e": label}
    if kind == K.REGISTERED:
        return _("The person is already registered as held.")
    if kind in (K.REMAINS_IDENTIFIED, K.REMAINS_HANDED_OVER):
        return _("%(e)s needs the death or the recovery of the remains first.") % {"e": label}
    return _("%(e)s needs the person to be held first.") % {"e": label}


def walk(kinds: Iterable[str]) -> Phase:
    """Run the machine over kinds in timeline order; raise TimelineError at the first
    impossible event."""
    phase = Phase.NONE
    for position, kind in enumerate(kinds):
        following = TRANSITIONS.get(kind, {})
        if phase not in following:
            raise TimelineError(_refusal(kind, phase), position)
        phase = following[phase]
    return phase


def current_status(kinds: Iterable[str]) -> PersonStatus:
    """The status left by the last status-changing event (UNKNOWN before any)."""
    status = PersonStatus.UNKNOWN
    for kind in kinds:
        status = STATUS_BY_KIND.get(kind, status)
    return status
