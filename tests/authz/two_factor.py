"""Matrix cases for the second factor: the sign-in step, enrolment, one's own recovery codes
and status (also in the API), and the coordinator's reset of another user's second factor
and the enrolment code they issue.

Every persona's session here has passed the second factor (see ``World.client``), so the step
and enrolment pages send them on; what an unverified session gets is in
tests/accounts/test_two_factor.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.authz.cases import EVERY_USER, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World


def _target(world: World) -> dict[str, Any]:
    return {"public_id": world.users["north_observer"].public_id}


def _unenrolled(world: World) -> None:
    """A user who has no authenticator yet: the one an enrolment code is for."""
    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.services import user_create
    from tests.conftest import PASSWORD

    world.extra["unenrolled"] = user_create(
        actor=SYSTEM,
        username="not.enrolled",
        password=PASSWORD,
        organisation=world.orgs["SOUTH"],
        roles=["observer"],
    )


def _unenrolled_target(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["unenrolled"].public_id}


CASES = [
    # The sign-in step: a verified session is sent on to where it was going.
    Case("accounts-otp", expect=allow(302, *EVERY_USER)),
    Case("accounts-otp", "POST", data=lambda w: {"code": "000000"}, expect=allow(302, *EVERY_USER)),
    # Enrolment: someone already enrolled is sent to their two-factor page, never re-enrols
    # (nor starts a new pending authenticator).
    Case("accounts-otp-enrol", expect=allow(302, *EVERY_USER)),
    Case("accounts-otp-enrol-start", "POST", expect=allow(302, *EVERY_USER)),
    Case(
        "accounts-otp-enrol",
        "POST",
        data=lambda w: {"code": "000000"},
        expect=allow(302, *EVERY_USER),
    ),
    # One's own second factor and recovery codes.
    Case("accounts-two-factor", expect=allow(200, *EVERY_USER)),
    Case("accounts-recovery-codes", "POST", expect=allow(200, *EVERY_USER)),
    # The API's read-only view of one's own second factor (nobody reads another user's).
    Case("/api/v1/me/two-factor", expect=allow(200, *EVERY_USER)),
    # Resetting another user's second factor (which also shows a fresh enrolment code, once),
    # and issuing an enrolment code: coordinators only; for anyone else they are not there.
    Case("accounts-user-otp-reset", "POST", params=_target, expect=allow(200, "coordinator")),
    Case(
        "accounts-user-enrolment-code",
        "POST",
        params=_unenrolled_target,
        setup=_unenrolled,
        expect=allow(200, "coordinator"),
    ),
]
