"""Every language has every message, with the same blanks to fill in, and nothing unused."""

from __future__ import annotations

import pytest
from babel import Locale

from kpi_core import i18n
from kpi_core.catalogue import KPIS, STAGES
from kpi_core.fields import FIELDS
from tests.i18n.keys import used_keys

EN = i18n.catalogue("en")
OTHERS = [lang for lang in i18n.LANGUAGES if lang != "en"]


def _forms(entry: str | dict[str, str]) -> dict[str, str]:
    return entry if isinstance(entry, dict) else {"": entry}


@pytest.mark.parametrize("lang", OTHERS)
def test_every_key_in_every_language(lang: str) -> None:
    other = i18n.catalogue(lang)
    missing = sorted(set(EN) - set(other))
    extra = sorted(set(other) - set(EN))
    assert not missing, f"{lang} lacks {len(missing)} keys, e.g. {missing[:10]}"
    assert not extra, f"{lang} has keys English does not: {extra[:10]}"


@pytest.mark.parametrize("lang", OTHERS)
def test_same_blanks_in_every_language(lang: str) -> None:
    other = i18n.catalogue(lang)
    wrong = []
    for key, entry in EN.items():
        want = set().union(*(i18n.placeholders(v) for v in _forms(entry).values()))
        got = set().union(*(i18n.placeholders(v) for v in _forms(other.get(key, "")).values()))
        # A plural form may leave out {count} ("one lead"); any other blank must match.
        if got - want or (want - {"count"}) - got:
            wrong.append(f"{key}: {sorted(want)} vs {sorted(got)}")
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_plural_messages_have_the_forms_the_language_needs(lang: str) -> None:
    needed = set(Locale.parse(i18n.LOCALES[lang]).plural_form.tags) | {"other"}
    for key, entry in i18n.catalogue(lang).items():
        if isinstance(entry, dict):
            assert needed <= set(entry), f"{lang} {key}: needs {sorted(needed)}"
            assert isinstance(EN[key], dict), f"{key} has plural forms only in {lang}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_formats(lang: str) -> None:
    """Braces are balanced and every message fills in with its own blanks."""
    for key, entry in i18n.catalogue(lang).items():
        for text in _forms(entry).values():
            blanks = {name: "x" for name in i18n.placeholders(text)}
            text.format_map(blanks)  # raises on a stray brace
            assert text.strip() == text and text, f"{lang} {key}: empty or padded"


def test_every_key_the_code_names_exists() -> None:
    literal, _ = used_keys()
    unknown = {k: where for k, where in literal.items() if k not in EN}
    assert not unknown, "\n".join(f"{k} ({', '.join(w)})" for k, w in sorted(unknown.items()))


def test_no_message_is_left_unused() -> None:
    literal, prefixes = used_keys()
    unused = [k for k in EN if k not in literal and not any(k.startswith(p) for p in prefixes)]
    assert not unused, f"{len(unused)} messages no code uses, e.g. {unused[:15]}"


def test_keys_built_from_data_exist() -> None:
    for k in KPIS.values():
        assert i18n.has(f"kpi.{k.id}.name") and i18n.has(f"kpi.{k.id}.description")
    for f in FIELDS:
        assert i18n.has(f"field.{f.id}")
    for s in STAGES:
        assert i18n.has(f"stage.{s}")


@pytest.mark.parametrize("lang", OTHERS)
def test_kpi_names_are_translated(lang: str) -> None:
    """The names a business owner reads first are never left in English."""
    english_too = {"leads", "sessions"} if lang != "da" else {"leads"}
    same = [
        k.id
        for k in KPIS.values()
        if k.label(lang) == k.label("en") and k.id not in english_too | {"mqls", "sqls"}
    ]
    assert not same, f"{lang}: {same}"


def test_missing_key_raises_and_other_languages_fall_back() -> None:
    with pytest.raises(KeyError):
        i18n.t("no.such.key")
    assert i18n.t("common.yes", locale="xx") == "Yes"


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 1, "1 row"),
        ("en", 2, "2 rows"),
        ("da", 1, "1 række"),
        ("da", 1234, "1.234 rækker"),
        ("nb", 1234, "1\xa0234 rader"),
        ("sv", 0, "0 rader"),
    ],
)
def test_plural_forms_and_numbers_in_messages(lang: str, count: int, expected: str) -> None:
    assert i18n.t("common.rows", locale=lang, count=count) == expected


@pytest.mark.parametrize(
    ("browser", "expected"),
    [("da-DK", "da"), ("da", "da"), ("nb-NO", "nb"), ("no", "nb"), ("nn-NO", "nb"),
     ("sv-SE", "sv"), ("sv-FI", "sv"), ("en-US", "en"), ("de-DE", "en"), ("", "en"), (None, "en")],
)  # fmt: skip
def test_browser_language(browser: str | None, expected: str) -> None:
    assert i18n.language_of(browser) == expected
