"""Every text the user reads, in their language, and numbers the way they write them.

Texts live in one catalogue per language (``kpi_core/locales/<lang>.toml``), never in
the code: code names a message by its key and passes the values to fill in.

>>> t("common.yes", locale="da")
'Ja'
>>> t("common.rows", locale="sv", count=1234)
'1\\xa0234 rader'

Formatting follows the locale's conventions through Babel (CLDR data), never
hand-written rules: ``1.234,5 kr.`` in Danish, ``kr 1 234,50`` in Norwegian,
``1 234,50 kr`` in Swedish.

>>> format_value(0.0234, "percent", locale="da")
'2,3 %'
>>> format_value(1234.4, "currency", locale="en", currency="DKK")
'DKK1,234'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

if TYPE_CHECKING:
    from kpi_core.scorecard import Change

LOCALES: dict[str, str] = {"en": "en_GB", "da": "da_DK", "nb": "nb_NO", "sv": "sv_SE"}
#: The languages the app speaks, in the order of the picker.
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
#: Each language in its own words, for the picker.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "da": "Dansk",
    "nb": "Norsk",
    "sv": "Svenska",
}
DEFAULT_LANGUAGE = "en"
#: Reporting currencies a workspace can choose. Figures are shown in it, never converted.
CURRENCIES: tuple[str, ...] = ("DKK", "NOK", "SEK", "EUR", "USD")
DEFAULT_CURRENCY = "DKK"
_HOME_CURRENCY = {"da": "DKK", "nb": "NOK", "sv": "SEK", "en": "EUR"}
CATALOGUE_DIR = Path(__file__).with_name("locales")


# -- The catalogues --------------------------------------------------------------------------


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str | dict[str, str]]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, Mapping) and value and set(value) <= _PLURAL_TAGS:
            out[key] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, Mapping):
            _flatten(value, f"{key}.", out)
        else:
            raise ValueError(f"catalogue entry {key} is neither text nor a table")


_PLURAL_TAGS = {"zero", "one", "two", "few", "many", "other"}


@functools.cache
def catalogue(language: str) -> dict[str, str | dict[str, str]]:
    """All messages of ``language``: dotted key -> text, or plural category -> text.

    Read once from ``kpi_core/locales/<language>.toml`` (TOML itself refuses a key
    defined twice).
    """
    if language not in LOCALES:
        raise KeyError(f"unknown language {language!r}; known: {', '.join(LOCALES)}")
    out: dict[str, str | dict[str, str]] = {}
    path = CATALOGUE_DIR / f"{language}.toml"
    _flatten(tomllib.loads(path.read_text(encoding="utf-8")), "", out)
    return out


def has(key: str) -> bool:
    """Whether the (English) catalogue has ``key``; for keys built from data (KPI ids)."""
    return key in catalogue(DEFAULT_LANGUAGE)


def placeholders(text: str) -> set[str]:
    """The names a message fills in: ``{count} rows`` -> ``{"count"}``."""
    return {
        name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name
    }


@dataclass(frozen=True)
class Msg:
    """A message not yet put in words: a key and its values, read in any language later.

    Useful as a value inside another message (``where`` a problem is) and wherever text is
    made before anyone knows who reads it (cached results, errors). ``str()`` is English.

    >>> where = Msg("common.rows", (("count", 3),))
    >>> t("common.examples", locale="da", items=where)
    'Eksempler: 3 rækker.'
    """

    key: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, **params: object) -> Msg:
        return cls(key, tuple(params.items()))

    def text(self, locale: str = DEFAULT_LANGUAGE) -> str:
        return t(self.key, locale=locale, **dict(self.params))

    def __str__(self) -> str:
        return self.text()


def _shown(value: object, language: str, loc: Locale) -> object:
    if isinstance(value, Msg):
        return value.text(language)
    # bool is an int: keep it out of number formatting.
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return value
    if isinstance(value, dt.datetime):
        return format_datetime(value, "medium", locale=loc)
    if isinstance(value, dt.date):
        return format_date(value, "medium", locale=loc)
    return format_decimal(value, locale=loc)


def t(
    key: str, *, locale: str = DEFAULT_LANGUAGE, count: float | None = None, **values: object
) -> str:
    """The message ``key`` in ``locale`` with ``values`` filled in.

    Numbers and dates among the values are formatted for the locale (pass a string to
    keep a value as it is, e.g. a row number). A message with plural forms picks the
    form for ``count`` by the locale's CLDR plural rule; ``{count}`` is available to it.
    A key missing in a language falls back to English (the tests keep every language
    complete); a key missing in English is a programming error and raises ``KeyError``.

    >>> t("common.rows", locale="en", count=1)
    '1 row'
    """
    language = locale if locale in LOCALES else DEFAULT_LANGUAGE
    loc = _babel_locale(language)
    entry = catalogue(language).get(key)
    if entry is None:
        entry = catalogue(DEFAULT_LANGUAGE).get(key)
    if entry is None:
        raise KeyError(f"no message {key!r} in the catalogue")
    if isinstance(entry, dict):
        if count is None:
            raise TypeError(f"message {key!r} has plural forms: pass count=")
        form = loc.plural_form(abs(count))
        entry = entry.get(form, entry["other"])
    if count is not None:
        values["count"] = count
    if not values:
        return entry
    shown = {k: _shown(v, language, loc) for k, v in values.items()}
    for name, value in shown.items():
        # "56 mio. kr." at the end of a sentence: one full stop, not "kr..".
        if isinstance(value, str) and value.endswith(".") and "{" + name + "}." in entry:
            entry = entry.replace("{" + name + "}.", "{" + name + "}")
    return entry.format_map(shown)


def row_words(text: str, *, locale: str = DEFAULT_LANGUAGE) -> str:
    """Row references made in English (``row 15: ‘n/a’``, cached with a file) in ``locale``.

    >>> row_words("row 15: ‘n/a’", locale="da")
    'række 15: ‘n/a’'
    """
    if locale == DEFAULT_LANGUAGE or "row " not in text:
        return text
    return re.sub(r"\brow (\d+)", lambda m: t("common.row", locale=locale, n=m.group(1)), text)


def language_of(browser_locale: str | None) -> str:
    """The app language for a browser locale (``da-DK`` -> ``da``, ``no``/``nn`` -> ``nb``).

    >>> language_of("nn-NO"), language_of("sv"), language_of("de-DE"), language_of(None)
    ('nb', 'sv', 'en', 'en')
    """
    code = (browser_locale or "").replace("_", "-").split("-")[0].lower()
    if code in ("no", "nn", "nb"):
        return "nb"
    return code if code in LOCALES else DEFAULT_LANGUAGE


def home_currency(language: str) -> str:
    """The currency a new workspace starts with in ``language`` (EUR for English)."""
    return _HOME_CURRENCY.get(language, DEFAULT_CURRENCY)


def format_number(value: float | None, *, locale: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A plain number with the locale's separators and ``digits`` decimals; ``–`` for ``None``."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_babel_locale(locale))


def format_day(
    day: dt.date | None, *, locale: str = DEFAULT_LANGUAGE, style: str = "medium"
) -> str:
    """A date as the locale writes it: ``23. nov. 2026`` (da), ``23 Nov 2026`` (en)."""
    if day is None:
        return "–"
    return format_date(day, style, locale=_babel_locale(locale))


def join_words(items: list[str], *, locale: str = DEFAULT_LANGUAGE) -> str:
    """``a, b and c`` in the locale's words (CLDR list patterns)."""
    from babel.lists import format_list

    return format_list(items, locale=_babel_locale(locale)) if items else ""


# -- Charts ----------------------------------------------------------------------------------

_STRFTIME = {"y": "%Y", "yyyy": "%Y", "MM": "%m", "M": "%-m", "dd": "%d", "d": "%-d",
             "HH": "%H", "H": "%-H", "mm": "%M", "ss": "%S", "MMM": "%b", "MMMM": "%B"}  # fmt: skip


def _strftime(pattern: str) -> str:
    return re.sub(r"y+|M+|d+|H+|m+|s+", lambda m: _STRFTIME.get(m.group(0), m.group(0)), pattern)


@functools.cache
def vega_locale(locale: str = DEFAULT_LANGUAGE, currency: str = DEFAULT_CURRENCY) -> dict[str, Any]:
    """A Vega locale (d3 number and time format definitions) from CLDR.

    Chart axes, labels and tooltips then write ``1.234,5`` and ``marts`` in Danish.
    """
    loc = _babel_locale(locale)
    symbols = loc.number_symbols["latn"]
    money = format_currency(1234, currency, format=None, locale=loc, currency_digits=False)
    digits = re.search(r"\d.*\d", money)
    prefix, suffix = (money[: digits.start()], money[digits.end() :]) if digits else ("", "")
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # CLDR counts from Monday, d3 from Sunday
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": [prefix, suffix],
            "minus": "-",
            "percent": "%" if locale == "en" else "\u00a0%",
        },
        "time": {
            "dateTime": f"{_strftime(loc.date_formats['short'].pattern)} %X",
            "date": _strftime(loc.date_formats["short"].pattern),
            "time": _strftime(loc.time_formats["medium"].pattern),
            "periods": [loc.periods["am"], loc.periods["pm"]]
            if "am" in loc.periods
            else ["AM", "PM"],
            "days": [loc.days["format"]["wide"][i] for i in sunday_first],
            "shortDays": [loc.days["format"]["abbreviated"][i] for i in sunday_first],
            "months": [loc.months["stand-alone"]["wide"][i] for i in range(1, 13)],
            "shortMonths": [loc.months["stand-alone"]["abbreviated"][i] for i in range(1, 13)],
        },
    }


#: Parsed once: given a name, Babel parses it again on every call (a third of the time a
#: page spent formatting its numbers).
_BABEL_LOCALES: dict[str, Locale] = {code: Locale.parse(name) for code, name in LOCALES.items()}


def _babel_locale(locale: str) -> Locale:
    found = _BABEL_LOCALES.get(locale)
    return found if found is not None else Locale.parse(locale)


def _one_decimal_percent(loc: Locale) -> str:
    """The locale's own percent pattern (``#,##0 %`` in Danish) with one decimal."""
    pattern = loc.percent_formats[None].pattern.split(";")[0]
    return re.sub(r"0(?!.*0)", "0.0", pattern)


def format_value(
    value: float | None,
    unit: str,
    *,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
    compact: bool = False,
) -> str:
    """Format one KPI value for display; ``None`` shows as an en dash.

    Parameters
    ----------
    unit
        A catalogue unit: ``"count"``, ``"currency"``, ``"percent"`` (a share
        in [0, 1]) or ``"multiple"``.
    compact
        Short form for tight spaces (``1.2M``), for counts and money.
    """
    if value is None:
        return "–"
    loc = _babel_locale(locale)
    if unit == "percent":
        return format_percent(
            value, format="#,##0.0 %" if locale != "en" else "#,##0.0%", locale=loc
        )
    if unit == "multiple":
        return format_decimal(value, format="#,##0.00", locale=loc) + "×"
    if unit == "currency":
        if compact and abs(value) >= 10_000:
            return format_compact_currency(value, currency, locale=loc, fraction_digits=1)
        pattern = loc.currency_formats["standard"].pattern.split(";")[0]
        if abs(value) >= 1000:
            # Øre on a four-digit amount is noise on a dashboard.
            pattern = pattern.replace("0.00", "0")
        return format_currency(value, currency, format=pattern, locale=loc, currency_digits=False)
    if compact and abs(value) >= 10_000:
        return format_compact_decimal(value, locale=loc, fraction_digits=1)
    return format_decimal(round(value, 1 if abs(value) < 100 else 0), locale=loc)


def format_change(ch: Change, *, locale: str = "en") -> str:
    """``+12.3 %`` for relative changes, ``+0.4 pp`` for rates; ``–`` when unknown.

    Percentage points are written as the language abbreviates them (``pct.-point``).
    """
    if ch.value is None:
        return "–"
    loc = _babel_locale(locale)
    shown = round(ch.value, 1) if ch.kind == "pp" else round(ch.value, 3)
    # ASCII minus: st.metric reads a delta's direction from a leading "-".
    sign = "+" if shown > 0 else ("-" if shown < 0 else "±")
    if ch.kind == "pp":
        number = format_decimal(abs(shown), format="0.0", locale=loc)
        return f"{sign}{t('common.pp', locale=locale, value=number)}"
    return f"{sign}{format_percent(abs(shown), format=_one_decimal_percent(loc), locale=loc)}"


def period_name(label: str, *, locale: str = "en", style: Literal["short", "long"] = "long") -> str:
    """A period label (``2025-03``, ``2025-Q1``, ``2025``) in words: ``March 2025``."""
    if "-Q" in label:
        year, quarter = label.split("-Q")
        # CLDR's own abbreviation: Q3 (en), 3. kvt. (da), K3 (nb, sv).
        name = _babel_locale(locale).quarters["format"]["abbreviated"][int(quarter)]
        return f"{name} {year}"
    if len(label) == 7:
        day = dt.date(int(label[:4]), int(label[5:]), 1)
        return format_date(
            day, "LLLL y" if style == "long" else "LLL y", locale=_babel_locale(locale)
        )
    return label


def in_sentence(name: str) -> str:
    """A KPI name as it reads inside a sentence: ``revenue``, but ``MQLs`` and ``TTL`` kept.

    >>> in_sentence("New customers"), in_sentence("MQLs")
    ('new customers', 'MQLs')
    """
    return name if name[:2].isupper() else name[:1].lower() + name[1:]
