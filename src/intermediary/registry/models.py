"""Registry records: persons, their names, custody timeline, and human remains cases.

Identity fields follow the Geneva Conventions (III art. 17 and 122, IV art. 136 and 138,
I art. 16) and are all optional: recorded "in so far as available". A person cannot exist
without the dossier it is registered in, because that is what access is decided on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.core.models import PublicIdModel
from intermediary.dossiers.models import Dossier
from intermediary.registry.choices import (
    Affiliation,
    CustodyEventKind,
    IdentificationMethod,
    IdentificationStatus,
    LegalStatus,
    PersonStatus,
    RemainsEventKind,
    Script,
    Sex,
)

# What a reconciliation of a list compares of a registry person besides the names, and of each
# name: what a list entry can be told apart on (lists.reconcile reads exactly these; a
# reviewer's registry search runs on the names, dates of birth and numbers among them).
# Changing one of them, or removing a name, is a correction: the registry services count it
# on the dossier (Dossier.registry_corrections) and record it (RegistryCorrection), and the
# reconciliations and "searched, no match" sign-offs made before it whose entries the person
# could match are out of date (lists.freshness).
COMPARED_PERSON_FIELDS: tuple[str, ...] = (
    "fathers_first_name",
    "birth_year",
    "birth_month",
    "birth_day",
    "place_of_birth",
    "id_document_number",
    "service_number",
    "sex",
)
COMPARED_NAME_FIELDS: tuple[str, ...] = ("full_text", "fathers_name")


class Person(PublicIdModel):
    """A person held or missing, as far as the intermediary knows. Names live in PersonName;
    the status is derived from CustodyEvent rows and only cached here for search and lists."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="persons")
    holding_party = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party_of_origin = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_status = models.CharField(
        _("legal status"), max_length=24, choices=LegalStatus.choices, blank=True
    )
    affiliation = models.CharField(
        _("military or civilian"), max_length=16, choices=Affiliation.choices, blank=True
    )
    # Geneva III art. 17: rank, army, regiment, personal or serial number.
    rank = models.CharField(_("rank"), max_length=200, blank=True)
    armed_force = models.CharField(_("army or armed force"), max_length=200, blank=True)
    unit = models.CharField(_("unit or regiment"), max_length=200, blank=True)
    service_number = models.CharField(
        _("service or serial number"), max_length=64, blank=True, db_index=True
    )
    # Date of birth, possibly partial; the bounds are derived from it on every write.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("month of birth"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("day of birth"), null=True, blank=True)
    birth_earliest = models.DateField(null=True, blank=True, editable=False)
    birth_latest = models.DateField(null=True, blank=True, editable=False)
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    fathers_first_name = models.CharField(_("father's first name"), max_length=200, blank=True)
    mothers_maiden_name = models.CharField(_("mother's maiden name"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    distinguishing_marks = models.TextField(_("distinguishing marks"), max_length=2000, blank=True)
    last_residence = models.CharField(_("last residence"), max_length=200, blank=True)
    id_document_kind = models.CharField(_("identity document"), max_length=64, blank=True)
    id_document_number = models.CharField(
        _("identity document number"), max_length=64, blank=True, db_index=True
    )
    person_to_inform = models.CharField(_("person to be informed"), max_length=200, blank=True)
    person_to_inform_address = models.TextField(_("their address"), max_length=2000, blank=True)
    correspondence_address = models.TextField(
        _("address for correspondence"), max_length=2000, blank=True
    )
    next_of_kin = models.TextField(_("next of kin"), max_length=2000, blank=True)
    # Geneva IV art. 136/138: date, place and nature of the measure taken.
    place_of_detention = models.CharField(_("place of detention"), max_length=200, blank=True)
    capture_date = models.DateField(_("date of capture or arrest"), null=True, blank=True)
    capture_place = models.CharField(_("place of capture or arrest"), max_length=200, blank=True)
    capture_circumstances = models.TextField(
        _("circumstances of capture"), max_length=2000, blank=True
    )
    # Intermediary-only: never registered as disclosable, never in a party view.
    wounded = models.BooleanField(_("wounded"), null=True, blank=True)
    sick = models.BooleanField(_("seriously ill"), null=True, blank=True)
    health_notes = models.TextField(_("health notes"), max_length=2000, blank=True)
    cause_of_death = models.TextField(_("cause of death"), max_length=2000, blank=True)
    internal_notes = models.TextField(_("internal notes"), max_length=2000, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # Cache of timeline.current_status, written only by the timeline services.
    status = models.CharField(
        max_length=24, choices=PersonStatus.choices, default=PersonStatus.UNKNOWN, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["dossier", "holding_party", "status"], name="person_scope_idx"),
            models.Index(fields=["birth_year", "birth_month", "birth_day"], name="person_dob_idx"),
            models.Index(fields=["birth_earliest"], name="person_birth_earliest_idx"),
            models.Index(fields=["birth_latest"], name="person_birth_latest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_status__in=["", *LegalStatus.values]),
                name="person_legal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(affiliation__in=["", *Affiliation.values]),
                name="person_affiliation_valid",
            ),
            models.CheckConstraint(condition=Q(sex__in=["", *Sex.values]), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(status__in=PersonStatus.values), name="person_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="person_birth_month_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_day__gte=1, birth_day__lte=31),
                name="person_birth_day_range",
            ),
            # A day needs its month, a month its year: "the 17th of an unknown month" is noise.
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False),
                name="person_birth_day_needs_month",
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_year__isnull=False),
                name="person_birth_month_needs_year",
            ),
            # The bounds exist exactly when the year does, and are ordered.
            models.CheckConstraint(
                condition=(
                    Q(
                        birth_year__isnull=True,
                        birth_earliest__isnull=True,
                        birth_latest__isnull=True,
                    )
                    | Q(
                        birth_year__isnull=False,
                        birth_earliest__isnull=False,
                        birth_latest__isnull=False,
                        birth_earliest__lte=models.F("birth_latest"),
                    )
                ),
                name="person_birth_bounds_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.public_id}"


class PersonName(PublicIdModel):
    """One name of a person, exactly as a list or document gave it (NFC), in one script."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    full_text = models.CharField(_("name as given"), max_length=300)
    script = models.CharField(_("script"), max_length=16, choices=Script.choices)
    given_name = models.CharField(_("given name"), max_length=200, blank=True)
    fathers_name = models.CharField(_("father's name"), max_length=200, blank=True)
    grandfathers_name = models.CharField(_("grandfather's name"), max_length=200, blank=True)
    family_name = models.CharField(_("family name"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("primary name"), default=False)
    # Normalised for search (diacritics, Arabic variants, Hebrew finals, case), set on write.
    search_key = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "pk"]
        indexes = [models.Index(fields=["search_key"], name="personname_search_key_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(is_primary=True), name="personname_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(script__in=Script.values), name="personname_script_valid"
            ),
            models.CheckConstraint(
                condition=~Q(full_text=""), name="personname_full_text_required"
            ),
        ]

    def __str__(self) -> str:
        return self.full_text


class RegistryCorrection(models.Model):
    """One correction of a registry person (a compared field changed, a name's text or
    father's name changed, a name removed), appended by the registry services in the
    correction's own transaction. Never updated.

    Why: a correction should put back to "unknown" only the "searched, no match" sign-offs
    (and the reconciliations) of the entries the corrected person could match, not every
    one of the dossier (lists.freshness). ``seq`` is the dossier's count of corrections
    (``Dossier.registry_corrections``) once this one is counted: the UPDATE raising it
    holds the dossier's row until commit, so each correction gets its own number, in commit
    order. ``keys`` are the person's blocking keys before and after the correction
    (lists.reach: a correction can move a record into or out of an entry's reach), made
    under the rules named by ``keys_version``. Keys, not values: no name or date is copied
    here, and a person deleted takes its corrections along (a number missing from the
    sequence then reads as a correction that reaches every entry, the safe reading).
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    keys = models.JSONField(default=list)
    keys_version = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="registry_correction_seq"),
        ]

    def __str__(self) -> str:
        return f"correction {self.seq} of dossier {self.dossier_id}"


class CustodyEvent(PublicIdModel):
    """One change in a person's situation. Ordered by date, then by the order recorded."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="custody_events")
    kind = models.CharField(_("event"), max_length=24, choices=CustodyEventKind.choices)
    date = models.DateField(_("date"))
    seq = models.PositiveIntegerField(editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "seq"]
        indexes = [models.Index(fields=["person", "date", "seq"], name="custody_timeline_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="custody_event_seq_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=CustodyEventKind.values), name="custody_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"


class RemainsCase(PublicIdModel):
    """A set of human remains under a coded case number, from recovery or transfer onward."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="remains_cases")
    case_number = models.CharField(_("case number"), max_length=40, unique=True)
    holding_party = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recovery_date = models.DateField(_("date of recovery or transfer"), null=True, blank=True)
    recovery_place = models.CharField(_("place of recovery"), max_length=200, blank=True)
    recovery_details = models.TextField(
        _("recovery or transfer details"), max_length=2000, blank=True
    )
    storage_location = models.CharField(_("storage location"), max_length=200, blank=True)
    identification_status = models.CharField(
        _("identification"),
        max_length=16,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.UNIDENTIFIED,
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="remains_cases"
    )
    identified_by = models.CharField(
        _("identified by (qualified person)"), max_length=200, blank=True
    )
    identification_method = models.CharField(
        _("identification method"), max_length=24, choices=IdentificationMethod.choices, blank=True
    )
    identified_on = models.DateField(_("date of identification"), null=True, blank=True)
    internal_notes = models.TextField(_("internal notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(identification_status__in=IdentificationStatus.values),
                name="remains_identification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(identification_method__in=["", *IdentificationMethod.values]),
                name="remains_identification_method_valid",
            ),
            # Identified means: a person, a named qualified person, a method, a date.
            models.CheckConstraint(
                condition=~Q(identification_status=IdentificationStatus.IDENTIFIED)
                | (
                    Q(person__isnull=False, identified_on__isnull=False)
                    & ~Q(identified_by="")
                    & ~Q(identification_method="")
                ),
                name="remains_identified_complete",
            ),
            models.CheckConstraint(
                condition=~Q(identification_status=IdentificationStatus.UNIDENTIFIED)
                | Q(person__isnull=True),
                name="remains_unidentified_has_no_person",
            ),
            models.CheckConstraint(
                condition=~Q(identification_status=IdentificationStatus.PRESUMPTIVE)
                | Q(person__isnull=False),
                name="remains_presumptive_names_person",
            ),
        ]

    def __str__(self) -> str:
        return self.case_number


class RemainsCustodyEvent(PublicIdModel):
    """Chain of custody of remains: who had them, where, when, handed from whom to whom."""

    case = models.ForeignKey(RemainsCase, on_delete=models.CASCADE, related_name="custody_events")
    kind = models.CharField(_("event"), max_length=16, choices=RemainsEventKind.choices)
    at = models.DateTimeField(_("time"))
    seq = models.PositiveIntegerField(editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    from_whom = models.CharField(_("from"), max_length=200, blank=True)
    to_whom = models.CharField(_("to"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="remains_event_seq_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=RemainsEventKind.values), name="remains_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"
