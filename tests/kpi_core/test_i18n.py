"""Numbers, money, rates and periods as readers in en, da, nb and sv write them.

Every expected string below was checked against Babel's output (CLDR data, Babel 2.18).
``\\xa0`` is U+00A0 NO-BREAK SPACE, which CLDR uses for grouping in nb and sv and
between an amount and its currency.
"""

from __future__ import annotations

import pytest

from kpi_core.i18n import LOCALES, format_change, format_value, period_name
from kpi_core.scorecard import Change

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("value", "unit", "locale", "expected"),
    [
        # percent: a share in [0, 1], one decimal; a space before % outside English
        (0.123, "percent", "en", "12.3%"),
        (0.123, "percent", "da", "12,3 %"),
        (0.123, "percent", "nb", "12,3 %"),
        (0.123, "percent", "sv", "12,3 %"),
        (0.0234, "percent", "da", "2,3 %"),
        (1.0, "percent", "en", "100.0%"),
        (0.0, "percent", "sv", "0,0 %"),
        # multiple (ROAS): two decimals and ×
        (2.5, "multiple", "en", "2.50×"),
        (2.5, "multiple", "da", "2,50×"),
        (1234.5, "multiple", "en", "1,234.50×"),
        (1234.5, "multiple", "da", "1.234,50×"),
        (1234.5, "multiple", "nb", f"1{NBSP}234,50×"),
        (1234.5, "multiple", "sv", f"1{NBSP}234,50×"),
        # currency: øre below 1,000, whole kroner from 1,000
        (10.526315, "currency", "en", "DKK10.53"),
        (10.526315, "currency", "da", f"10,53{NBSP}kr."),
        (10.526315, "currency", "nb", f"10,53{NBSP}DKK"),
        (10.526315, "currency", "sv", f"10,53{NBSP}Dkr"),
        (1234.4, "currency", "en", "DKK1,234"),
        (1234.4, "currency", "da", f"1.234{NBSP}kr."),
        (1234.4, "currency", "nb", f"1{NBSP}234{NBSP}DKK"),
        (1234.4, "currency", "sv", f"1{NBSP}234{NBSP}Dkr"),
        (1234567.8, "currency", "da", f"1.234.568{NBSP}kr."),
        (-50.0, "currency", "en", "-DKK50.00"),
        (-50.0, "currency", "da", f"-50,00{NBSP}kr."),
        # count: one decimal below 100, whole numbers above, grouped
        (12.34, "count", "en", "12.3"),
        (12.34, "count", "da", "12,3"),
        (1234.0, "count", "en", "1,234"),
        (1234.0, "count", "da", "1.234"),
        (1234.0, "count", "nb", f"1{NBSP}234"),
        (1234.0, "count", "sv", f"1{NBSP}234"),
        (1234567.0, "count", "sv", f"1{NBSP}234{NBSP}567"),
        (0.0, "count", "en", "0"),
        (150.4, "count", "en", "150"),
    ],
)
def test_format_value(value: float, unit: str, locale: str, expected: str) -> None:
    assert format_value(value, unit, locale=locale) == expected


@pytest.mark.parametrize("unit", ["count", "currency", "percent", "multiple"])
@pytest.mark.parametrize("locale", ["en", "da", "nb", "sv"])
def test_none_is_an_en_dash(unit: str, locale: str) -> None:
    assert format_value(None, unit, locale=locale) == "–"


@pytest.mark.parametrize(
    ("value", "unit", "locale", "expected"),
    [
        (1234567.0, "count", "en", "1.2M"),
        (1234567.0, "count", "da", f"1,2{NBSP}mio."),
        (1234567.0, "count", "nb", f"1,2{NBSP}mill."),
        (1234567.0, "count", "sv", f"1,2{NBSP}mn"),
        (1234567.0, "currency", "en", "DKK1.2M"),
        (1234567.0, "currency", "da", f"1,2{NBSP}mio.{NBSP}kr."),
        # Below 10,000 compact changes nothing.
        (9999.0, "count", "en", "9,999"),
        (9999.0, "currency", "en", "DKK9,999"),
        # Rates are never compacted.
        (0.123, "percent", "en", "12.3%"),
    ],
)
def test_format_value_compact(value: float, unit: str, locale: str, expected: str) -> None:
    assert format_value(value, unit, locale=locale, compact=True) == expected


def test_format_value_other_currency() -> None:
    assert format_value(1234.4, "currency", locale="en", currency="EUR") == "€1,234"
    assert format_value(99.5, "currency", locale="sv", currency="SEK") == f"99,50{NBSP}kr"


def test_locales_map_to_babel_locales() -> None:
    assert LOCALES == {"en": "en_GB", "da": "da_DK", "nb": "nb_NO", "sv": "sv_SE"}


@pytest.mark.parametrize(
    ("change", "locale", "expected"),
    [
        (Change(0.5, "pp", "better"), "en", "+0.5 pp"),
        (Change(0.5, "pp", "better"), "da", "+0,5 pct.-point"),
        (Change(-1.25, "pp", "worse"), "en", "-1.2 pp"),  # half-even rounding in Babel
        (Change(-2.0, "pp", "worse"), "sv", "-2,0 %-enheter"),
        (Change(1.0, "pp", "better"), "nb", "+1,0 %-poeng"),
        (Change(0.0, "pp", "same"), "en", "±0.0 pp"),
        (Change(0.123, "relative", "better"), "en", "+12.3%"),
        (Change(0.123, "relative", "better"), "da", f"+12,3{NBSP}%"),
        (Change(-0.2, "relative", "better"), "en", "-20.0%"),
        (Change(-0.2, "relative", "better"), "nb", f"-20,0{NBSP}%"),
        (Change(0.0, "relative", "same"), "en", "±0.0%"),
        (Change(12.5, "relative", "better"), "en", "+1,250.0%"),
        (Change(12.5, "relative", "better"), "da", f"+1.250,0{NBSP}%"),
        (Change(12.5, "relative", "better"), "sv", f"+1{NBSP}250,0{NBSP}%"),
        (Change(None, "relative", "unknown"), "en", "–"),
        (Change(None, "pp", "unknown"), "da", "–"),
    ],
)
def test_format_change(change: Change, locale: str, expected: str) -> None:
    assert format_change(change, locale=locale) == expected


def test_format_change_uses_an_ascii_minus_for_streamlit() -> None:
    # st.metric reads the direction of a delta from a leading "-", so never U+2212.
    for locale in LOCALES:
        assert format_change(Change(-0.2, "relative", "worse"), locale=locale).startswith("-")
        assert format_change(Change(-0.2, "pp", "worse"), locale=locale).startswith("-")


@pytest.mark.parametrize(
    ("label", "locale", "style", "expected"),
    [
        ("2025-03", "en", "long", "March 2025"),
        ("2025-03", "da", "long", "marts 2025"),
        ("2025-03", "nb", "long", "mars 2025"),
        ("2025-03", "sv", "long", "mars 2025"),
        ("2025-03", "en", "short", "Mar 2025"),
        ("2025-03", "da", "short", "mar. 2025"),
        ("2025-10", "da", "long", "oktober 2025"),
        ("2025-Q1", "en", "long", "Q1 2025"),
        ("2025-Q4", "da", "long", "4. kvt. 2025"),
        ("2025-Q4", "sv", "long", "K4 2025"),
        ("2025", "en", "long", "2025"),
        ("2025", "sv", "short", "2025"),
    ],
)
def test_period_name(label: str, locale: str, style: str, expected: str) -> None:
    assert period_name(label, locale=locale, style=style) == expected


@pytest.mark.parametrize(
    ("locale", "currency", "decimal", "thousands", "money", "march"),
    [
        ("en", "DKK", ".", ",", ["DKK", ""], "March"),
        ("da", "DKK", ",", ".", ["", f"{NBSP}kr."], "marts"),
        ("nb", "NOK", ",", NBSP, ["", f"{NBSP}kr"], "mars"),
        ("sv", "SEK", ",", NBSP, ["", f"{NBSP}kr"], "mars"),
        ("da", "EUR", ",", ".", ["", f"{NBSP}€"], "marts"),
    ],
)
def test_chart_locale_from_cldr(locale, currency, decimal, thousands, money, march) -> None:
    """The d3 locale a chart gets: separators, currency symbol and month names from CLDR."""
    from kpi_core.i18n import vega_locale

    loc = vega_locale(locale, currency)
    assert loc["number"]["decimal"] == decimal
    assert loc["number"]["thousands"] == thousands
    assert loc["number"]["currency"] == money
    assert loc["time"]["months"][2] == march
    assert loc["time"]["days"][0].lower().startswith(("sun", "søn", "sön"))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "23 Nov 2026"), ("da", "23. nov. 2026"), ("nb", "23. nov. 2026"),
     ("sv", "23 nov. 2026")],
)  # fmt: skip
def test_dates_in_words(locale: str, expected: str) -> None:
    import datetime as dt

    from kpi_core.i18n import format_day

    assert format_day(dt.date(2026, 11, 23), locale=locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "leads, MQLs and SQLs"), ("da", "leads, MQLs og SQLs"), ("sv", "leads, MQLs och SQLs")],
)
def test_lists_in_words(locale: str, expected: str) -> None:
    from kpi_core.i18n import join_words

    assert join_words(["leads", "MQLs", "SQLs"], locale=locale) == expected


def test_a_message_inside_a_message_reads_in_the_outer_language() -> None:
    from kpi_core.i18n import Msg, t

    inner = Msg.of("common.rows", count=2)
    assert str(inner) == "2 rows"
    assert t("common.examples", locale="nb", items=inner) == "Eksempler: 2 rader."
