"""Forms of the lists pages: they check shape only; services decide everything else."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.dossiers.models import Dossier
from intermediary.imports.tables import MAX_FILE_BYTES
from intermediary.lists.choices import REPORT_DISCLOSABLE_FIELDS, Decision, ListKind


def _dossier_parties(dossier: Dossier) -> Any:
    """The parties a list may be submitted for: those taking part (a withdrawn party gets no
    list on its behalf; the service refuses it too)."""
    return Organisation.objects.filter(
        dossier_links__dossier=dossier, dossier_links__withdrawn_at__isnull=True
    ).order_by("name")


class ListSubmitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of list"), choices=ListKind.choices)
    party = forms.ModelChoiceField(
        label=_("On behalf of party"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="public_id",
    )
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    encoding = forms.CharField(
        label=_("Encoding (only if not UTF-8)"), required=False, max_length=40
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)

    def __init__(self, *args: Any, dossier: Dossier, on_behalf: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if on_behalf:
            field = self.fields["party"]
            field.required = True
            field.queryset = _dossier_parties(dossier)  # type: ignore[attr-defined]
        else:
            del self.fields["party"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class ReconcileForm(forms.Form):
    threshold = forms.FloatField(
        label=_("Threshold (match probability)"),
        min_value=0.01,
        max_value=0.99,
        initial=lambda: settings.LISTS_MATCH_THRESHOLD,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(Decision.CONFIRMED, _("Confirm")), (Decision.REJECTED, _("Reject"))]
    )
    note = forms.CharField(
        label=_("Reviewer note (intermediary only)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DiscloseForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Disclose to"), queryset=Organisation.objects.none(), to_field_name="public_id"
    )
    what = forms.MultipleChoiceField(
        label=_("What"),
        choices=[
            (REPORT_DISCLOSABLE_FIELDS[0], _("Counts per outcome")),
            (REPORT_DISCLOSABLE_FIELDS[1], _("Outcome of each entry")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=200)

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = _dossier_parties(dossier)  # type: ignore[attr-defined]


class SignOffForm(forms.Form):
    """Sign off or withdraw: the note is required by the service too (what was searched, or
    why the sign-off no longer stands)."""

    note = forms.CharField(
        label=_("What was searched (intermediary only)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EntryIdsField(forms.Field):
    """The ids of the entries ticked on a page (one ``entries`` value each). Any well-formed
    id is accepted here: whether it names an entry of the list, and one that may be
    renewed, is the service's to say (an entry held back since the page was drawn is
    reported, not refused as an unknown choice)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        try:
            return [uuid.UUID(str(v)) for v in values]
        except ValueError:
            raise forms.ValidationError(_("An entry id is malformed."), code="invalid") from None


class RenewalForm(forms.Form):
    """Renew many sign-offs at once: the entries ticked, and what the reviewer searched
    again (required by the service too)."""

    entries = EntryIdsField(
        label=_("Entries"), error_messages={"required": _("Tick the entries to renew.")}
    )
    note = forms.CharField(
        label=_("What was searched again (intermediary only)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ManualSearchForm(forms.Form):
    """A reviewer's own search for an entry the matcher missed: of the dossier's registry,
    (with ``prefix=OTHER_SIDE_PREFIX``) of the other side's lists, or (with
    ``prefix=EARLIER_ROWS_PREFIX``) of the list's own earlier rows, on the same page."""

    name = forms.CharField(label=_("Name (any script)"), required=False, max_length=200)
    dob = forms.CharField(
        label=_("Date of birth (YYYY, YYYY-MM or YYYY-MM-DD)"), required=False, max_length=10
    )
    id_number = forms.CharField(label=_("Identity number"), required=False, max_length=64)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


OTHER_SIDE_PREFIX = "other"
EARLIER_ROWS_PREFIX = "earlier"


class CandidateAddForm(forms.Form):
    """The registry person, or the entry (of the other side's list, or an earlier row of the
    same list), that a reviewer's search found (one)."""

    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    other_entry = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("person")) == bool(data.get("other_entry")):
            raise forms.ValidationError(_("Name one registry person or one entry of a list."))
        return data
