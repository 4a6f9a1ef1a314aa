"""Showing numbers, money, rates and periods the way the reader writes them.

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
import re
from typing import TYPE_CHECKING, Literal

from babel import Locale
from babel.dates import format_date
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
DEFAULT_CURRENCY = "DKK"


def _babel_locale(locale: str) -> str:
    return LOCALES.get(locale, locale)


def _one_decimal_percent(loc: str) -> str:
    """The locale's own percent pattern (``#,##0 %`` in Danish) with one decimal."""
    pattern = Locale.parse(loc).percent_formats[None].pattern.split(";")[0]
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
        pattern = Locale.parse(loc).currency_formats["standard"].pattern.split(";")[0]
        if abs(value) >= 1000:
            # Øre on a four-digit amount is noise on a dashboard.
            pattern = pattern.replace("0.00", "0")
        return format_currency(value, currency, format=pattern, locale=loc, currency_digits=False)
    if compact and abs(value) >= 10_000:
        return format_compact_decimal(value, locale=loc, fraction_digits=1)
    return format_decimal(round(value, 1 if abs(value) < 100 else 0), locale=loc)


def format_change(ch: Change, *, locale: str = "en") -> str:
    """``+12.3 %`` for relative changes, ``+0.4 pp`` for rates; ``–`` when unknown."""
    if ch.value is None:
        return "–"
    loc = _babel_locale(locale)
    shown = round(ch.value, 1) if ch.kind == "pp" else round(ch.value, 3)
    # ASCII minus: st.metric reads a delta's direction from a leading "-".
    sign = "+" if shown > 0 else ("-" if shown < 0 else "±")
    if ch.kind == "pp":
        return f"{sign}{format_decimal(abs(shown), format='0.0', locale=loc)} pp"
    return f"{sign}{format_percent(abs(shown), format=_one_decimal_percent(loc), locale=loc)}"


def period_name(label: str, *, locale: str = "en", style: Literal["short", "long"] = "long") -> str:
    """A period label (``2025-03``, ``2025-Q1``, ``2025``) in words: ``March 2025``."""
    if "-Q" in label:
        year, quarter = label.split("-Q")
        return f"Q{quarter} {year}"
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
