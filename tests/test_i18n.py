"""The translation catalogues: complete, compiled, placeholders intact, and really used.

After `make messages` adds new strings, the failures below name every msgid still to translate.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import World

LANGS = ("ar", "he")

# Counts that reach every plural form of Arabic (6) and Hebrew (4), and their edges.
SAMPLE_COUNTS = (0, 1, 2, 3, 10, 11, 20, 99, 100, 101, 102, 111, 1000)

# printf-style placeholders: %(name)s, %(code)04X, %s, %d; "%%" is a literal percent sign.
PRINTF = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # mapping key
    r"[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)
# str.format-style placeholders: {}, {name}, {0}, {name:>10}.
BRACES = re.compile(r"\{[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / "django.mo"


def load_po(lang: str) -> Any:
    path = po_path(lang)
    assert path.is_file(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


def live_entries(po: Any) -> Iterator[Any]:
    """Entries in use (obsolete `#~` entries are history, not catalogue)."""
    return (entry for entry in po if not entry.obsolete)


def label(entry: Any) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context}"


def nplurals(po: Any) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue has no Plural-Forms header"
    return int(match.group(1))


def one_number_forms(po: Any) -> frozenset[int]:
    """Plural forms chosen for exactly one number (Arabic 0, 1 and 2; Hebrew 1 and 2): those
    may write the number as a word ("one person", "two persons") instead of a placeholder."""
    match = re.search(r"plural\s*=\s*([^;]+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue has no plural expression in its Plural-Forms header"
    plural = gettext.c2py(match.group(1))
    chosen: dict[int, list[int]] = {}
    for n in range(1001):
        chosen.setdefault(plural(n), []).append(n)
    return frozenset(form for form, numbers in chosen.items() if len(numbers) == 1)


# (a) complete and not fuzzy


@pytest.mark.parametrize("lang", LANGS)
def test_every_msgid_is_translated_and_none_is_fuzzy(lang: str) -> None:
    po = load_po(lang)
    forms = nplurals(po)
    assert po.metadata.get("Language") == lang
    assert not po.metadata_is_fuzzy, f"{lang}: the header is marked fuzzy"
    untranslated: list[str] = []
    fuzzy: list[str] = []
    for entry in live_entries(po):
        if entry.fuzzy:
            fuzzy.append(label(entry))
        if entry.msgid_plural:
            filled = [i for i, text in entry.msgstr_plural.items() if text.strip()]
            if sorted(filled) != list(range(forms)):
                untranslated.append(f"{label(entry)} (plural forms filled: {sorted(filled)})")
        elif not entry.msgstr.strip():
            untranslated.append(label(entry))
    problems = [f"untranslated: {m}" for m in untranslated] + [f"fuzzy: {m}" for m in fuzzy]
    assert not problems, f"{lang}/django.po needs translating:\n" + "\n".join(problems)


# (b) the committed .mo files match the .po files


def catalogue(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as fp:
        return gettext.GNUTranslations(fp)


def translate(cat: gettext.GNUTranslations, entry: Any, n: int) -> str:
    if entry.msgid_plural:
        if entry.msgctxt:
            return cat.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
        return cat.ngettext(entry.msgid, entry.msgid_plural, n)
    if entry.msgctxt:
        return cat.pgettext(entry.msgctxt, entry.msgid)
    return cat.gettext(entry.msgid)


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_is_up_to_date(lang: str, tmp_path: Path) -> None:
    assert mo_path(lang).is_file(), f"{mo_path(lang)} is missing: run `make messages`"
    po = load_po(lang)
    fresh_path = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh_path))
    committed, fresh = catalogue(mo_path(lang)), catalogue(fresh_path)
    stale: list[str] = []
    for entry in live_entries(po):
        counts = SAMPLE_COUNTS if entry.msgid_plural else (1,)
        for n in counts:
            want, got = translate(fresh, entry, n), translate(committed, entry, n)
            if want != got:
                stale.append(f"{label(entry)} n={n}: .po says {want!r}, .mo says {got!r}")
                break
    assert not stale, (
        f"{lang}/django.mo is older than django.po; run `make messages` "
        "(or django-admin compilemessages):\n" + "\n".join(stale)
    )


# (c) the pages really switch language and direction


@pytest.fixture
def restore_language() -> Iterator[None]:
    """LocaleMiddleware activates the request's language in this thread; put it back."""
    before = translation.get_language()
    yield
    translation.activate(before or settings.LANGUAGE_CODE)


@pytest.mark.django_db
@pytest.mark.usefixtures("restore_language")
@pytest.mark.parametrize(
    ("lang", "dossiers", "direction"),
    [("ar", "الملفات", "rtl"), ("he", "תיקים", "rtl"), ("en", "Dossiers", "ltr")],
)
def test_signed_in_page_follows_the_chosen_language(
    world: World, lang: str, dossiers: str, direction: str
) -> None:
    client = world.client("north_observer")
    response = client.post("/i18n/setlang/", {"language": lang, "next": "/dossiers/"})
    assert response.status_code == 302
    assert response["Location"] == "/dossiers/"
    page = client.get("/dossiers/").content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert f">{dossiers}</a>" in page  # the navigation link
    assert world.dossier.reference in page


# (d) placeholders survive translation


def placeholders(text: str) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """(named printf placeholders, positional printf placeholders in order, brace fields)."""
    named: set[str] = set()
    positional: list[str] = []
    for match in PRINTF.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"] is None:
            positional.append(match[0])
        else:
            named.add(match[0])
    return frozenset(named), tuple(positional), frozenset(BRACES.findall(text))


def placeholder_problems(entry: Any, one_number: frozenset[int]) -> list[str]:
    printf = "python-format" in entry.flags
    expected = placeholders(entry.msgid_plural or entry.msgid)
    if not printf:
        expected = (frozenset(), (), expected[2])
    # msgstr[i] by i; a singular entry has just one form, which must carry everything.
    forms: dict[int, str] = dict(entry.msgstr_plural) if entry.msgid_plural else {0: entry.msgstr}
    problems: list[str] = []
    for index, text in forms.items():
        if not text:
            continue  # reported as untranslated by test (a)
        got = placeholders(text)
        if not printf:
            got = (frozenset(), (), got[2])
        where = f"{label(entry)} msgstr[{index}]" if entry.msgid_plural else label(entry)
        # Every form carries every placeholder, except that a plural form chosen for exactly
        # one number may spell that number out ("one person") and so drop a named
        # placeholder (never add one). Positional placeholders can never be dropped:
        # "%s" % (a, b) with one %s is an error.
        may_drop = bool(entry.msgid_plural) and index in one_number
        named_ok = got[0] <= expected[0] if may_drop else got[0] == expected[0]
        ok = named_ok and got[1:] == expected[1:]
        if not ok:
            problems.append(f"{where}: expected {sorted_all(expected)}, got {sorted_all(got)}")
    return problems


def sorted_all(found: tuple[frozenset[str], tuple[str, ...], frozenset[str]]) -> list[str]:
    return [*sorted(found[0]), *found[1], *sorted(found[2])]


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match_the_msgid(lang: str) -> None:
    po = load_po(lang)
    one_number = one_number_forms(po)
    problems = [p for entry in live_entries(po) for p in placeholder_problems(entry, one_number)]
    assert not problems, f"{lang}/django.po has broken placeholders:\n" + "\n".join(problems)


def test_one_number_forms() -> None:
    assert one_number_forms(load_po("ar")) == {0, 1, 2}
    assert one_number_forms(load_po("he")) == {0, 1}


def test_placeholder_parser() -> None:
    assert placeholders("U+%(code)04X at %(pos)d, 100%% sure, %s and %d {name} {}") == (
        frozenset({"%(code)04X", "%(pos)d"}),
        ("%s", "%d"),
        frozenset({"{name}", "{}"}),
    )
