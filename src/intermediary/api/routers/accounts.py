"""API: the current user, organisations, users and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from intermediary.access.policy import Perm, actor_of, require_or_404
from intermediary.accounts import selectors, services
from intermediary.accounts.models import ApiToken, Organisation
from intermediary.api.schemas import ErrorOut, OrganisationRef

router = Router(tags=["accounts"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MeOut(Schema):
    id: str
    username: str
    organisation: OrganisationRef | None
    roles: list[str]


def organisation_ref(org: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=str(org.public_id), name=org.name, short_name=org.short_name, kind=org.kind
    )


@router.get("/me", response={200: MeOut, **ERRORS}, url_name="api-me")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    membership = user.memberships.select_related("organisation").first()  # type: ignore[union-attr]
    return MeOut(
        id=str(user.public_id),  # type: ignore[union-attr]
        username=user.get_username(),
        organisation=organisation_ref(membership.organisation) if membership else None,
        roles=sorted(actor_of(user).roles),
    )


class TwoFactorOut(Schema):
    """One's own second factor: never the secret, a code or a device id."""

    enrolled: bool
    recovery_codes_left: int
    required: bool


@router.get("/me/two-factor", response={200: TwoFactorOut, **ERRORS}, url_name="api-me-two-factor")
def me_two_factor(request: HttpRequest) -> TwoFactorOut:
    """Whether you have a confirmed authenticator, how many unused recovery codes you have
    left, and whether this installation requires a second factor of everyone (when it does
    not, a user who enrolled is still asked for a code at every sign-in). Read-only: enrol,
    confirm and regenerate recovery codes in the browser."""
    status = selectors.two_factor_status(user=request.user, path=request.path)
    return TwoFactorOut(
        enrolled=status.enrolled,
        recovery_codes_left=status.recovery_codes_left,
        required=status.required,
    )


@router.get(
    "/organisations", response={200: list[OrganisationRef], **ERRORS}, url_name="api-organisations"
)
def organisation_list(request: HttpRequest, kind: str | None = None) -> list[OrganisationRef]:
    return [organisation_ref(o) for o in selectors.organisation_list(user=request.user, kind=kind)]


class OrganisationIn(Schema):
    name: str
    short_name: str
    kind: str


@router.post(
    "/organisations", response={201: OrganisationRef, **ERRORS}, url_name="api-organisation-create"
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationRef]:
    require_or_404(request.user, Perm.ORGANISATION_MANAGE, path=request.path)
    org = services.organisation_create(actor=request.user, **payload.dict())
    return Status(201, organisation_ref(org))


class UserOut(Schema):
    id: str
    username: str
    is_active: bool
    organisation: OrganisationRef | None
    roles: list[str]


def user_out(user: object) -> UserOut:
    memberships = list(user.memberships.all())  # type: ignore[attr-defined]
    return UserOut(
        id=str(user.public_id),  # type: ignore[attr-defined]
        username=user.username,  # type: ignore[attr-defined]
        is_active=user.is_active,  # type: ignore[attr-defined]
        organisation=organisation_ref(memberships[0].organisation) if memberships else None,
        roles=sorted(m.role for m in memberships),
    )


@router.get("/users", response={200: list[UserOut], **ERRORS}, url_name="api-users")
def user_list(request: HttpRequest) -> list[UserOut]:
    require_or_404(request.user, Perm.USER_MANAGE, path=request.path)
    return [user_out(u) for u in selectors.user_list(user=request.user)]


class UserIn(Schema):
    username: str
    password: str
    organisation: uuid.UUID
    roles: list[str]
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@router.post("/users", response={201: UserOut, **ERRORS}, url_name="api-user-create")
def user_create(request: HttpRequest, payload: UserIn) -> Status[UserOut]:
    require_or_404(request.user, Perm.USER_MANAGE, path=request.path)
    data = payload.dict()
    data["organisation"] = selectors.organisation_get(
        user=request.user, public_id=data["organisation"], path=request.path
    )
    return Status(201, user_out(services.user_create(actor=request.user, **data)))


class TokenOut(Schema):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str


class TokenIn(Schema):
    name: str


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=str(token.public_id),
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, url_name="api-tokens")
def token_list(request: HttpRequest) -> list[TokenOut]:
    return [token_out(t) for t in selectors.api_token_list(user=request.user)]


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, url_name="api-token-create")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreated]:
    token, plaintext = services.api_token_create(actor=request.user, name=payload.name)
    return Status(201, TokenCreated(**token_out(token).dict(), token=plaintext))


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, url_name="api-token-revoke")
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> Status[None]:
    token = selectors.api_token_get(user=request.user, public_id=token_id, path=request.path)
    services.api_token_revoke(actor=request.user, token=token)
    return Status(204, None)
