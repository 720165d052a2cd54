"""The second factor (TOTP with django-otp): who must pass it, and what the pages show.

Writes (enrolment, verification, recovery codes, reset) are services in accounts/services.py;
this module only reads and formats.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp import login as django_otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
# The session remembers which pending authenticator it started: only that session is shown
# its secret and may confirm it (another password session must not learn the secret).
PENDING_DEVICE_SESSION_KEY = "intermediary_pending_otp_device"
ENROLMENT_CODE_BYTES = 10  # 80 random bits: 16 base32 characters, typed in groups of four


def confirmed_totp(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    if not getattr(user, "is_authenticated", False):
        return None
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()
    )
    return device


def pending_totp(user: Any) -> TOTPDevice | None:
    """The authenticator being enrolled (created by ``otp_enrolment_start``, not yet confirmed
    with a code), if any. Only read here: opening the enrolment page must never create one."""
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    )
    return device


def recovery_device(user: Any) -> StaticDevice | None:
    device: StaticDevice | None = (
        StaticDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()
    )
    return device


def recovery_codes_left(user: Any) -> int:
    device = recovery_device(user)
    return 0 if device is None else int(device.token_set.count())


def is_verified(user: Any) -> bool:
    """Did this session pass the second factor (django-otp's OTPMiddleware decides)?"""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def second_factor_required(user: Any) -> bool:
    """Required for everyone when INTERMEDIARY_REQUIRE_2FA is on; otherwise (the demo) for
    those who enrolled, since an enrolled factor that is never asked for protects nothing."""
    if settings.INTERMEDIARY_REQUIRE_2FA:
        return True
    return confirmed_totp(user) is not None


def needs_second_factor(user: Any) -> bool:
    """A signed-in user who still has to pass (or first enrol) the second factor."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return False
    return second_factor_required(user)


def mark_verified(request: HttpRequest, device: Any) -> None:
    """Record in the session that the user passed the second factor with ``device``
    (django-otp's own ``login``: the session keeps the device's persistent id). The session
    gains a privilege here, so it gets a new key, as at the password step."""
    request.session.cycle_key()
    django_otp_login(request, device)


def normalise_code(code: str) -> str:
    """Codes are typed by hand: ignore spaces and dashes, and the case of recovery codes."""
    return "".join(ch for ch in code if ch not in " -\t").lower()


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG element, drawn here: nothing is fetched, and an
    inline <svg> needs no change to the strict Content-Security-Policy."""
    qr = segno.make(uri, error="m")
    svg: str = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", title="QR code")
    return svg


def enrolment_code_required() -> bool:
    """An enrolment code is asked only where the second factor is required. Where it is
    optional (the demo), a password already opens the account in full, so a code would guard
    nothing that the password does not; enrolling there only adds protection."""
    return bool(settings.INTERMEDIARY_REQUIRE_2FA)


def new_enrolment_code() -> str:
    """A fresh enrolment code, as the user types it: ``ABCD-EFGH-JKLM-NPQR`` (base32)."""
    raw = b32encode(secrets.token_bytes(ENROLMENT_CODE_BYTES)).decode("ascii").rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def enrolment_code_hash(code: str) -> str:
    """What is stored of an enrolment code. 80 random bits behind a throttle need no slow
    KDF; case, spaces and dashes are ignored, as the code is typed by hand."""
    return hashlib.sha256(normalise_code(code).upper().encode("ascii", "replace")).hexdigest()
