"""Forms for dossiers (shape only; services decide the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.models import Organisation, User


class DossierCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.PARTY),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )


class AddPartyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Party"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.PARTY),
        to_field_name="public_id",
    )


class AssignMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), to_field_name="public_id"
    )


class PartyReasonForm(forms.Form):
    """Withdraw or reinstate a party: the reason is required and kept with the event."""

    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=_("I confirm"), required=True)


class RemovePartyForm(forms.Form):
    """Removal is for a party added by mistake; the box makes the click deliberate."""

    confirm = forms.BooleanField(
        label=_("Yes: this party was added by mistake and nothing refers to it"), required=True
    )
