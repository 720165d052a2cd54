"""Pages for login, API tokens, organisations and users. Thin: forms in, services out."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from intermediary.access.policy import Perm, require_or_404
from intermediary.accounts import otp, selectors, services
from intermediary.accounts.forms import (
    ApiTokenForm,
    EnrolmentCodeForm,
    OrganisationForm,
    OtpCodeForm,
    UserCreateForm,
    UserRolesForm,
)
from intermediary.accounts.models import User
from intermediary.core.forms import call_service, submit_form


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.session.pop("intermediary_expired", False)
        return context


def _require_or_404(request: HttpRequest, perm: Perm) -> None:
    require_or_404(request.user, perm, path=request.path)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the current session stays signed in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    user = submit_form(
        request,
        form,
        lambda: services.user_change_password(
            actor=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        ),
        success=_("Password changed."),
    )
    if user is not None:
        update_session_auth_hash(request, user)
        return redirect("accounts-password")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens; a new token's secret is shown exactly once."""
    form = ApiTokenForm(request.POST or None)
    plaintext = None
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            lambda: services.api_token_create(actor=request.user, name=form.cleaned_data["name"]),
        )
        if result is not None:
            plaintext = result[1]
            form = ApiTokenForm()
    tokens = selectors.api_token_list(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "plaintext": plaintext}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, public_id=public_id, path=request.path)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts-tokens")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    _require_or_404(request, Perm.ORGANISATION_MANAGE)
    form = OrganisationForm(request.POST or None)
    org = submit_form(
        request,
        form,
        lambda: services.organisation_create(actor=request.user, **form.cleaned_data),
        success=lambda o: _("Organisation %(name)s created.") % {"name": o.name},
    )
    if org is not None:
        return redirect("accounts-organisations")
    organisations = selectors.organisation_list(user=request.user)
    return render(
        request, "accounts/organisations.html", {"form": form, "organisations": organisations}
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    _require_or_404(request, Perm.USER_MANAGE)
    form = UserCreateForm(request.POST or None)
    form.fields["organisation"].queryset = selectors.organisation_list(user=request.user)  # type: ignore[attr-defined]
    user = submit_form(
        request,
        form,
        lambda: services.user_create(actor=request.user, **form.cleaned_data),
        success=lambda u: _("User %(name)s created.") % {"name": u.username},
    )
    if user is not None:
        return redirect("accounts-users")
    users = selectors.user_list(user=request.user)
    return render(request, "accounts/users.html", {"form": form, "users": users})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_or_404(request, Perm.USER_MANAGE)
    target = selectors.user_get(user=request.user, public_id=public_id, path=request.path)
    initial = {"roles": [m.role for m in target.memberships.all()]}
    form = UserRolesForm(request.POST or None, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.user_set_roles(
            actor=request.user, user=target, roles=form.cleaned_data["roles"]
        ),
        success=_("Roles saved."),
    )
    if done is not None:
        return redirect("accounts-user-detail", public_id=target.public_id)
    valid_until = selectors.enrolment_code_valid_until(
        user=request.user, target=target, path=request.path
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "form": form,
            "target_enrolled": otp.confirmed_totp(target) is not None,
            "enrolment_code_valid_until": valid_until,
            "enrolment_code_required": otp.enrolment_code_required(),
        },
    )


@login_required
@require_POST
def user_set_active(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_or_404(request, Perm.USER_MANAGE)
    target = selectors.user_get(user=request.user, public_id=public_id, path=request.path)
    active = request.POST.get("active") == "1"
    # No fields to check: the service decides. A bound empty form only collects its errors.
    form = forms.Form(request.POST)
    saved = submit_form(
        request,
        form,
        lambda: services.user_set_active(actor=request.user, user=target, active=active),
        success=_("Saved."),
    )
    if saved is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("accounts-user-detail", public_id=target.public_id)


# --- Second factor ---------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the page first asked for, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The sign-in step after the password: a code from the authenticator or a recovery code."""
    user = request.user
    if otp.is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    if otp.confirmed_totp(user) is None:
        if otp.second_factor_required(user):
            query = urlencode({"next": _next_url(request)})
            return HttpResponseRedirect(f"{resolve_url('accounts-otp-enrol')}?{query}")
        return HttpResponseRedirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.otp_verify(actor=user, code=form.cleaned_data["code"], path=request.path)
        if check.ok:
            otp.mark_verified(request, check.device)
            if check.method == "recovery_code":
                left = otp.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(n)s recovery code is left.",
                        "You signed in with a recovery code; %(n)s recovery codes are left.",
                        left,
                    )
                    % {"n": left},
                )
            return HttpResponseRedirect(_next_url(request))
        if check.throttled:
            form.add_error("code", _("Too many wrong codes. Wait a moment, then try again."))
        else:
            form.add_error("code", _("This code is not valid."))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next_url(request), "hide_nav": True},
    )


def _already_enrolled(request: HttpRequest) -> HttpResponse | None:
    """Someone with a confirmed authenticator never enrols another: a session still to pass
    the step goes there, a verified one to its two-factor page."""
    if otp.confirmed_totp(request.user) is None:
        return None
    if not otp.is_verified(request.user):
        return redirect("accounts-otp")
    messages.info(request, _("Two-factor sign-in is already set up."))
    return redirect("accounts-two-factor")


ENROLMENT_REFUSALS = {
    "code_missing": _lazy("Enter the enrolment code a coordinator gave you."),
    "code_wrong": _lazy("This enrolment code is not valid."),
    "code_expired": _lazy("This enrolment code has expired. Ask a coordinator for a new one."),
    "code_throttled": _lazy("Too many wrong codes. Wait a moment, then try again."),
    "totp_wrong": _lazy("This code is not valid."),
}


def _started_device(request: HttpRequest) -> str:
    """The pending authenticator this session started (its secret is shown to it alone)."""
    value = request.session.get(otp.PENDING_DEVICE_SESSION_KEY, "")
    return value if isinstance(value, str) else ""


def _enrol_page(
    request: HttpRequest, form: OtpCodeForm, start_form: EnrolmentCodeForm
) -> HttpResponse:
    """The enrolment page: this session's pending authenticator (QR code, otpauth URI and
    secret) with the confirmation form, or else the form that starts one."""
    user = request.user
    context: dict[str, object] = {
        "form": form,
        "start_form": start_form,
        "code_required": otp.enrolment_code_required(),
        "next": _next_url(request),
        "hide_nav": not otp.is_verified(user),
    }
    device = otp.pending_totp(user)
    if device is not None and device.persistent_id == _started_device(request):
        uri = device.config_url
        context.update(uri=uri, secret=otp.base32_secret(device), qr_svg=otp.qr_svg(uri))
    return render(request, "accounts/otp_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator. GET only reads: the pending authenticator this session started,
    or (none) the form that starts one by POST (``otp_enrol_start``), so opening or
    prefetching the page writes nothing. POST confirms with a code from the app; then the
    recovery codes are shown, once."""
    user = request.user
    enrolled = _already_enrolled(request)
    if enrolled is not None:
        return enrolled
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            lambda: services.otp_enrolment_confirm(
                actor=user,
                code=form.cleaned_data["code"],
                started_device=_started_device(request),
                path=request.path,
            ),
        )
        if result is not None and result.device is not None:
            request.session.pop(otp.PENDING_DEVICE_SESSION_KEY, None)
            otp.mark_verified(request, result.device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": result.recovery_codes, "next": _next_url(request), "enrolled": True},
            )
        if result is not None:
            form.add_error("code", str(ENROLMENT_REFUSALS[result.refused]))
            if result.refused.startswith("code_"):
                # The enrolment code behind it is gone: start again, with a new one.
                request.session.pop(otp.PENDING_DEVICE_SESSION_KEY, None)
    return _enrol_page(request, form, EnrolmentCodeForm())


@login_required
@require_POST
def otp_enrol_start(request: HttpRequest) -> HttpResponse:
    """Start an authenticator (audited; with the enrolment code where the second factor is
    required), then show it on the enrolment page (post/redirect/get: reloading that page
    shows the same secret, never a new one). A refused code is shown on the page."""
    enrolled = _already_enrolled(request)
    if enrolled is not None:
        return enrolled
    start_form = EnrolmentCodeForm(request.POST)
    step = None
    if start_form.is_valid():
        step = services.otp_enrolment_start(
            actor=request.user,
            enrolment_code=start_form.cleaned_data["enrolment_code"],
            started_device=_started_device(request),
            path=request.path,
        )
    if step is None or step.device is None:
        if step is not None:
            start_form.add_error("enrolment_code", str(ENROLMENT_REFUSALS[step.refused]))
        return _enrol_page(request, OtpCodeForm(), start_form)
    request.session[otp.PENDING_DEVICE_SESSION_KEY] = step.device.persistent_id
    query = urlencode({"next": _next_url(request)})
    return HttpResponseRedirect(f"{resolve_url('accounts-otp-enrol')}?{query}")


@login_required
@require_http_methods(["GET"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """One's own second factor: enrolled or not, recovery codes left (the same selector as
    the API's ``/me/two-factor``)."""
    status = selectors.two_factor_status(user=request.user, path=request.path)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enrolled": status.enrolled,
            "codes_left": status.recovery_codes_left,
            "required": status.required,
        },
    )


@login_required
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """New recovery codes replace the old ones; shown in this response only."""
    codes = services.otp_recovery_codes_regenerate(actor=request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": resolve_url("accounts-two-factor"), "enrolled": False},
    )


def _enrolment_code_page(request: HttpRequest, target: User, code: str) -> HttpResponse:
    """The enrolment code, shown to the coordinator in this response only (not cached)."""
    valid_until = selectors.enrolment_code_valid_until(
        user=request.user, target=target, path=request.path
    )
    return render(
        request,
        "accounts/enrolment_code.html",
        {"target": target, "code": code, "valid_until": valid_until},
    )


@never_cache
@login_required
@require_POST
def user_otp_reset(request: HttpRequest, public_id: str) -> HttpResponse:
    """A coordinator removes another user's second factor; where it is required, the same
    step issues the enrolment code the user needs to set it up again (shown once)."""
    _require_or_404(request, Perm.USER_MANAGE)
    target = selectors.user_get(user=request.user, public_id=public_id, path=request.path)
    code = services.otp_reset_with_enrolment_code(actor=request.user, user=target)
    messages.success(
        request,
        _("Two-factor sign-in of %(name)s removed: they set it up again at their next sign-in.")
        % {"name": target.username},
    )
    if code is not None:
        return _enrolment_code_page(request, target, code)
    return redirect("accounts-user-detail", public_id=target.public_id)


@never_cache
@login_required
@require_POST
def user_enrolment_code(request: HttpRequest, public_id: str) -> HttpResponse:
    """A coordinator issues a user the enrolment code for setting up an authenticator; any
    earlier code stops working. The code is shown in this response only."""
    _require_or_404(request, Perm.USER_MANAGE)
    target = selectors.user_get(user=request.user, public_id=public_id, path=request.path)
    form = forms.Form(request.POST)
    code = call_service(
        form, lambda: services.enrolment_code_issue(actor=request.user, user=target)
    )
    if code is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("accounts-user-detail", public_id=target.public_id)
    return _enrolment_code_page(request, target, code)
