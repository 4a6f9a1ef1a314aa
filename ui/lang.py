"""The session's language and reporting currency, and the page's shorthand for both.

Pages never hold a text: they call :func:`t` with a catalogue key
(``kpi_core/locales/<lang>.toml``), and format numbers, money, changes and periods
with :func:`value`, :func:`change` and :func:`period`, which read the language and
currency of this session. Both are kept with the workspace (``ui.workspace``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import altair as alt
import streamlit as st

from kpi_core import i18n
from kpi_core.charts import localize

if TYPE_CHECKING:
    import datetime as dt

    from kpi_core.scorecard import Change

#: The session's language and currency. Plain state, not widget keys: a run that draws
#: no sidebar (a page opened before the frame takes over) must not lose them.
LANG = "kk_lang"
CURRENCY = "kk_currency"
#: The sidebar selectors' own keys, copied to LANG and CURRENCY when they change.
LANG_PICK = "kk_lang_pick"
CURRENCY_PICK = "kk_currency_pick"


def browser_language() -> str:
    """The app language for the browser's locale (Streamlit sends it), else English."""
    try:
        return i18n.language_of(st.context.locale)
    except Exception:
        return i18n.DEFAULT_LANGUAGE


def current() -> str:
    """The session's language: ``"en"``, ``"da"``, ``"nb"`` or ``"sv"``."""
    lang = st.session_state.get(LANG)
    return lang if lang in i18n.LOCALES else browser_language()


def currency() -> str:
    """The workspace's reporting currency (``"DKK"``)."""
    cur = st.session_state.get(CURRENCY)
    return cur if cur in i18n.CURRENCIES else i18n.home_currency(current())


def t(key: str, *, count: float | None = None, **values: object) -> str:
    """The catalogue message ``key`` in the session's language (see :func:`kpi_core.i18n.t`)."""
    return i18n.t(key, locale=current(), count=count, **values)


def value(x: float | None, unit: str, *, compact: bool = False) -> str:
    """A KPI value in the session's language and currency."""
    return i18n.format_value(x, unit, locale=current(), currency=currency(), compact=compact)


def change(ch: Change) -> str:
    """A change (``+12,3 %``, ``+0,4 pp``) in the session's language."""
    return i18n.format_change(ch, locale=current())


def period(label: str, *, style: Literal["short", "long"] = "long") -> str:
    """A period label (``2026-03``) in words: ``marts 2026``."""
    return i18n.period_name(label, locale=current(), style=style)


def number(x: float | None, *, digits: int = 0) -> str:
    """A plain number with the language's separators."""
    return i18n.format_number(x, locale=current(), digits=digits)


def day(d: dt.date | None) -> str:
    """A date as the language writes it."""
    return i18n.format_day(d, locale=current())


def words(items: list[str]) -> str:
    """``a, b og c``: a list in the language's words."""
    return i18n.join_words(items, locale=current())


def chart(ch: alt.TopLevelMixin, **kwargs: object) -> None:
    """Draw ``ch`` with the axes and tooltips in the session's number and date formats.

    The spec goes to ``st.vega_lite_chart`` without Altair's JSON-schema validation, which
    ``st.altair_chart`` runs on every draw and which took a third of a chart page's run
    (every builder's spec is validated in ``tests/kpi_core/test_charts.py`` instead).
    """
    spec = localize(ch, locale=current(), currency=currency()).to_dict(validate=False)
    # Altair's default theme sizes views at 300 px; Streamlit sizes them to the page.
    view = spec.get("config", {}).get("view", {})
    for size in ("continuousWidth", "continuousHeight"):
        view.pop(size, None)
    st.vega_lite_chart(spec, **kwargs)


def restore(language: str | None, currency_code: str | None) -> None:
    """Put a workspace's saved language and currency in the session.

    A workspace that never chose keeps the language this tab already speaks (or the
    browser's), and the currency of that language's country.
    """
    lang = language if language in i18n.LOCALES else current()
    st.session_state[LANG] = lang
    st.session_state[CURRENCY] = (
        currency_code if currency_code in i18n.CURRENCIES else i18n.home_currency(lang)
    )


def picker(*, key: str = LANG_PICK, currency_key: str = CURRENCY_PICK) -> None:
    """Language and currency selectors (in the sidebar); each owns its widget key."""
    # The widgets show the session's values, whatever opened since they were last drawn.
    st.session_state[key] = current()
    st.session_state[currency_key] = currency()

    def keep(widget_key: str, state_key: str) -> None:
        st.session_state[state_key] = st.session_state[widget_key]

    left, right = st.columns([3, 2])
    names = dict(i18n.LANGUAGE_NAMES)
    left.selectbox(
        t("language.label"),
        i18n.LANGUAGES,
        format_func=names.__getitem__,
        key=key,
        on_change=keep,
        args=(key, LANG),
        help=t("language.help"),
    )
    right.selectbox(
        t("language.currency"),
        i18n.CURRENCIES,
        key=currency_key,
        on_change=keep,
        args=(currency_key, CURRENCY),
        help=t("language.currency_help"),
    )
