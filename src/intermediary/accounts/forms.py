"""Forms for organisation and user management and API tokens (validation of shape only;
the services decide the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.choices import OrganisationKind, Role
from intermediary.accounts.models import Organisation


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), to_field_name="public_id"
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolmentCodeForm(forms.Form):
    """The enrolment code a coordinator handed over. Not required here: the service decides
    (and logs a start without one where it is needed)."""

    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
