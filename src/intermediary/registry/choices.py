"""Vocabularies of the registry: every coded value a person, name, event or remains case takes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class LegalStatus(models.TextChoices):
    PRISONER_OF_WAR = "prisoner_of_war", _("Prisoner of war")
    CIVILIAN_INTERNEE = "civilian_internee", _("Civilian internee")
    DETAINEE = "detainee", _("Detainee")
    HOSTAGE = "hostage", _("Hostage")
    MISSING = "missing", _("Missing")


class Affiliation(models.TextChoices):
    """Whether the person belonged to armed forces; unknown is the empty value."""

    MILITARY = "military", _("Military")
    CIVILIAN = "civilian", _("Civilian")


class Script(models.TextChoices):
    ARABIC = "arabic", _("Arabic")
    HEBREW = "hebrew", _("Hebrew")
    CYRILLIC = "cyrillic", _("Cyrillic")
    LATIN = "latin", _("Latin")
    OTHER = "other", _("Other")


class CustodyEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    VISITED = "visited", _("Visited by the intermediary")
    TRANSFERRED = "transferred", _("Transferred")
    HOSPITALISED = "hospitalised", _("Hospitalised")
    RELEASED = "released", _("Released")
    REPATRIATED = "repatriated", _("Repatriated")
    ESCAPED = "escaped", _("Escaped")
    DIED = "died", _("Died")
    REMAINS_RECOVERED = "remains_recovered", _("Remains recovered")
    REMAINS_IDENTIFIED = "remains_identified", _("Remains identified")
    REMAINS_HANDED_OVER = "remains_handed_over", _("Remains handed over")


class PersonStatus(models.TextChoices):
    """Derived from the custody timeline (registry/timeline.py), never typed in."""

    UNKNOWN = "unknown", _("No custody event yet")
    HELD = "held", _("Held")
    HOSPITALISED = "hospitalised", _("Held, in hospital")
    RELEASED = "released", _("Released")
    REPATRIATED = "repatriated", _("Repatriated")
    ESCAPED = "escaped", _("Escaped")
    DECEASED = "deceased", _("Deceased")
    REMAINS_HANDED_OVER = "remains_handed_over", _("Remains handed over")


# Statuses in which the holding party still holds the person (alive): "North holds 4,650".
HELD_STATUSES = (PersonStatus.HELD, PersonStatus.HOSPITALISED)


class IdentificationStatus(models.TextChoices):
    UNIDENTIFIED = "unidentified", _("Unidentified")
    PRESUMPTIVE = "presumptive", _("Presumptive identification")
    IDENTIFIED = "identified", _("Identified")


class IdentificationMethod(models.TextChoices):
    DNA = "dna", _("DNA")
    DENTAL = "dental", _("Dental records")
    FINGERPRINTS = "fingerprints", _("Fingerprints")
    MEDICAL = "medical", _("Medical or anthropological findings")
    DOCUMENTS = "documents", _("Documents and personal effects")
    VISUAL = "visual", _("Visual recognition")
    CIRCUMSTANTIAL = "circumstantial", _("Circumstantial evidence")


class RemainsEventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    STORED = "stored", _("Stored")
    TRANSPORTED = "transported", _("Transported")
    HANDED_OVER = "handed_over", _("Handed over")


class Category(models.TextChoices):
    """Derived categories (registry/categories.py); the figures count each of them."""

    MINOR = "minor", _("Minors (under 18)")
    WOMAN = "woman", _("Women (18 or older, or age unknown)")
    ELDERLY = "elderly", _("Elderly (60 or older)")
    WOUNDED_SICK = "wounded_sick", _("Wounded or sick")
    MILITARY = "military", _("Military")
    CIVILIAN = "civilian", _("Civilian")
    AGE_UNKNOWN = "age_unknown", _("Age unknown at the reference date")
