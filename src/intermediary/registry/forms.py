"""Forms of the registry pages: they check shape; services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.dossiers.models import Dossier
from intermediary.registry.choices import (
    Category,
    CustodyEventKind,
    IdentificationMethod,
    IdentificationStatus,
    PersonStatus,
    RemainsEventKind,
    Script,
)
from intermediary.registry.inputs import NAME_FIELDS, NameInput, PersonInput
from intermediary.registry.models import Person, PersonName, RemainsCase
from intermediary.registry.names import detect_script

DATE = forms.DateInput(attrs={"type": "date"})


class NameForm(forms.Form):
    """One name as given; the script is detected when left empty."""

    full_text = forms.CharField(label=_("Name as given"), max_length=300)
    script = forms.ChoiceField(
        label=_("Script"),
        choices=[("", _("Detect from the text")), *Script.choices],
        required=False,
    )
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    fathers_name = forms.CharField(label=_("Father's name"), max_length=200, required=False)
    grandfathers_name = forms.CharField(
        label=_("Grandfather's name"), max_length=200, required=False
    )
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    source = forms.CharField(label=_("Source (list or document)"), max_length=200, required=False)
    is_primary = forms.BooleanField(label=_("Primary name"), required=False)

    def to_input(self) -> NameInput:
        # Not .strip()ped by us beyond Django's default: names are stored as given.
        return NameInput(**self.cleaned_data)

    @staticmethod
    def initial_for(name: PersonName) -> dict[str, Any]:
        """A stored name as the form's starting values. A script that was detected starts as
        "detect" again, so correcting the text into another script re-detects it; a script
        someone chose stays chosen."""
        initial = {field: getattr(name, field) for field in NAME_FIELDS}
        if name.script == detect_script(name.full_text):
            initial["script"] = ""
        return initial


class PersonFieldsForm(forms.ModelForm):  # type: ignore[type-arg]
    """A person's identity fields (all optional); parties are chosen by public id among
    ``parties``."""

    class Meta:
        model = Person
        fields = [
            "holding_party", "party_of_origin", "legal_status", "affiliation", "sex",
            "birth_year", "birth_month", "birth_day", "place_of_birth", "nationality",
            "fathers_first_name", "mothers_maiden_name", "rank", "armed_force", "unit",
            "service_number", "id_document_kind", "id_document_number", "distinguishing_marks",
            "last_residence", "person_to_inform", "person_to_inform_address",
            "correspondence_address", "next_of_kin", "place_of_detention", "capture_date",
            "capture_place", "capture_circumstances", "wounded", "sick", "health_notes",
            "cause_of_death", "internal_notes", "source",
        ]  # fmt: skip
        widgets = {"capture_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ranges checked here name the field; the database constraints would only say which
        # constraint failed.
        for name, top in (("birth_month", 12), ("birth_day", 31)):
            field = self.fields[name]
            field.validators += [MinValueValidator(1), MaxValueValidator(top)]
            field.widget.attrs.update(min=1, max=top)

    def _offer_parties(self, parties: QuerySet[Organisation]) -> None:
        for name in ("holding_party", "party_of_origin"):
            self.fields[name].queryset = parties  # type: ignore[attr-defined]
            self.fields[name].to_field_name = "public_id"  # type: ignore[attr-defined]


class PersonForm(PersonFieldsForm):
    """Registering a person: the identity fields plus the dossier it is registered in."""

    dossier = forms.ModelChoiceField(
        queryset=Dossier.objects.none(), label=_("Dossier"), to_field_name="public_id"
    )
    registered_on = forms.DateField(
        label=_("Registered on"),
        required=False,
        widget=DATE,
        help_text=_("Date of the registration event; today when empty."),
    )

    def __init__(self, *args: Any, dossiers: QuerySet[Dossier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dossier"].queryset = dossiers  # type: ignore[attr-defined]
        self._offer_parties(
            Organisation.objects.filter(dossier_links__dossier__in=dossiers).distinct()
        )

    def to_input(self, names: list[NameInput]) -> PersonInput:
        data = {k: v for k, v in self.cleaned_data.items() if k != "dossier"}
        return PersonInput(names=names, **data)


class PersonEditForm(PersonFieldsForm):
    """Correcting a registered person's identity fields (not names, not the timeline)."""

    def __init__(self, *args: Any, instance: Person, **kwargs: Any) -> None:
        # The party fields pick by public id, so they start from the objects, not their keys.
        initial = {
            "holding_party": instance.holding_party,
            "party_of_origin": instance.party_of_origin,
        }
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        self._offer_parties(Organisation.objects.filter(dossier_links__dossier=instance.dossier))

    def changes(self) -> dict[str, Any]:
        """Only the fields the user changed: what ``services.person_update`` writes and audits."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class CustodyEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=CustodyEventKind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class RemainsCaseForm(forms.ModelForm):  # type: ignore[type-arg]
    dossier = forms.ModelChoiceField(
        queryset=Dossier.objects.none(), label=_("Dossier"), to_field_name="public_id"
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to generate the next coded number."),
    )

    class Meta:
        model = RemainsCase
        fields = [
            "holding_party", "recovery_date", "recovery_place", "recovery_details",
            "storage_location", "internal_notes",
        ]  # fmt: skip
        widgets = {"recovery_date": DATE}

    def __init__(self, *args: Any, dossiers: QuerySet[Dossier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dossier"].queryset = dossiers  # type: ignore[attr-defined]
        parties = Organisation.objects.filter(dossier_links__dossier__in=dossiers).distinct()
        self.fields["holding_party"].queryset = parties  # type: ignore[attr-defined]
        self.fields["holding_party"].to_field_name = "public_id"  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"dossier", "case_number"}}

    def validate_unique(self) -> None:
        """The service decides uniqueness and numbering."""


class RemainsEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=RemainsEventKind.choices)
    at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    from_whom = forms.CharField(label=_("From"), max_length=200, required=False)
    to_whom = forms.CharField(label=_("To"), max_length=200, required=False)


class IdentifyForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in IdentificationStatus.choices if c[0] != "unidentified"],
    )
    person = forms.UUIDField(label=_("Person (public id)"))
    identified_by = forms.CharField(label=_("Qualified person"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=IdentificationMethod.choices)
    identified_on = forms.DateField(label=_("Date"), required=False, widget=DATE)


class SearchForm(forms.Form):
    """Search parameters from the query string; all optional."""

    q = forms.CharField(label=_("Name (any script)"), required=False, max_length=200)
    dob = forms.CharField(label=_("Date of birth"), required=False, max_length=10)
    id_number = forms.CharField(label=_("Service or ID number"), required=False, max_length=64)
    holding_party = forms.ChoiceField(label=_("Holding party"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *PersonStatus.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(
        self, *args: Any, parties: QuerySet[Organisation], categories: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holding_party"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((str(o.public_id), o.short_name) for o in parties),
        ]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((c, Category(c).label) for c in categories),
        ]
