"""Customer satisfaction: NPS, CSAT and the time to the first reply on support tickets.

Every score comes with the number of answers behind it and a 95 % interval,
so a score from 12 answers is not read like one from 1,200:

* **NPS** from 0–10 answers ("How likely are you to recommend us?"):
  promoters answer 9–10, passives 7–8, detractors 0–6, and
  ``NPS = 100 · (promoters − detractors) / answers``, from −100 to +100.
  The interval is the **normal approximation** with the standard variance of
  a difference of two shares of the same answers,
  ``var = (p + d − (p − d)²) / n`` (``p``, ``d`` the shares of promoters and
  detractors), in points: ``NPS ± 1.96 · 100 · √var``, clamped to
  [−100, +100]. It is wide for small ``n`` (±30 points and more under 30
  answers) and, like every normal approximation, unreliable there. When
  every answer is in the same group (all promoters, say) the variance is
  0 and the interval collapses onto the score (``+100`` to ``+100``): that
  is not certainty, it is the approximation running out; the sentence says so.
* **CSAT** from 1–5 answers ("How satisfied were you?"): the share of 4s and
  5s, in per cent (0–100), with a **Wilson** 95 % interval, which stays
  inside 0–100 % and keeps a width even at 0 % or 100 %.
* **Reliable** means at least :data:`MIN_RELIABLE` (30) answers; below that
  the sentence says the score is too uncertain to read much into.
* **First response**: hours from a ticket's creation to its first reply, per
  month of creation: mean, median and 90th percentile (linear interpolation,
  as Excel's ``PERCENTILE.INC``). Unanswered tickets and replies stamped
  before the ticket was created are counted and reported
  (:func:`validate_tickets`), never silently dropped; only answered tickets
  with a reply at or after creation are in the times.

Answers that cannot be used (outside the scale, not whole numbers, blank,
undated) are left out of the frame functions and reported by
:func:`validate_survey`; the plain :func:`nps` and :func:`csat` on a list
refuse them with an :class:`~kpi_core.issues.InputError` instead, since a
typed-in list has nobody to report to.

Typical use::

    table = load_path("survey.csv")
    cols = suggest_survey_columns(table.kinds, scale="nps")
    issues = validate_survey(table.frame, cols, scale="nps")
    monthly = nps_monthly(table.frame, cols)

>>> s = nps([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
>>> (s.value, s.promoters, s.passives, s.detractors)
(20.0, 5, 2, 3)
>>> s.sentence
'NPS +20 from 10 answers: too few to read much into (interval −34 to +74).'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from babel.numbers import format_percent

from kpi_core.abtest import normal_quantile
from kpi_core.compute import period_label
from kpi_core.i18n import LOCALES, t
from kpi_core.issues import InputError, Issue, issue
from kpi_core.mapping import RoleMatcher, fold, normalise_header

Scale = Literal["nps", "csat"]

#: From this many answers a score is called reliable.
MIN_RELIABLE = 30
_Z95 = normal_quantile(0.975)
_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}

# ---------------------------------------------------------------------------
# Which column is which
# ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    return fold(normalise_header(text))


# fmt: off
_SURVEY_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        "dato", "datum", "date", "svardato", "svar dato", "svarsdatum", "besvaret", "besvart",
        "besvarad", "answered", "answered at", "response date", "submitted", "submitted at",
        "date submitted", "indsendt", "innsendt", "inskickad", "tidspunkt", "tidsstempel",
        "tidsstämpel", "timestamp", "created", "oprettet", "opprettet", "skapad", "completed",
        "gennemført", "fullført", "genomförd", "survey date", "undersøgelsesdato",
    ),
    "score": (
        "score", "nps", "nps score", "nps svar", "csat", "csat score", "rating", "karakter",
        "bedømmelse", "vurdering", "betyg", "svar", "answer", "response", "anbefaling",
        "anbefale", "anbefale os", "recommend", "likelihood to recommend", "rekommendera",
        "rekommendation", "tilfredshed", "tilfredshet", "nöjdhet", "satisfaction",
        "kundetilfredshed", "kundetilfredshet", "kundnöjdhet", "customer satisfaction",
        "point", "poeng", "poäng", "stjerner", "stjärnor", "stars",
    ),
    "customer": (
        "kunde", "kunde id", "kundeid", "kundenr", "kunde nr", "kundenummer", "kund", "kund id",
        "kundnr", "kundnummer", "customer", "customer id", "client", "client id", "respondent",
        "respondent id", "contact", "contact id", "kontakt", "kontakt id", "email", "e mail",
        "mail", "id",
    ),
}
_TICKET_WORDS: dict[str, tuple[str, ...]] = {
    "created": (
        "oprettet", "oprettet dato", "oprettet tidspunkt", "oprettelsestidspunkt", "opprettet",
        "opprettet dato", "opprettet tidspunkt", "skapad", "skapat", "skapad datum", "created",
        "created at", "created date", "date created", "ticket created", "opened", "opened at",
        "åbnet", "åpnet", "öppnad", "received", "modtaget", "mottatt", "mottagen", "inkommen",
        "inkom", "dato", "date", "datum", "tidspunkt",
    ),
    "first_reply": (
        "første svar", "første svar tidspunkt", "første svar dato", "första svar",
        "första svar datum", "first reply", "first reply at", "first reply time",
        "first replied at", "first response", "first response at", "first responded at",
        "first agent reply", "besvaret", "besvart", "besvarad", "replied", "replied at",
        "answered", "answered at", "svaret", "svar", "svar dato", "svar tidspunkt",
    ),
    "id": (
        "ticket id", "ticket", "ticket nr", "ticket number", "ticketnr", "sag", "sagsnr",
        "sags nr", "sag nr", "sak", "saksnr", "sak nr", "ärende", "ärendenr", "ärendenummer",
        "case", "case id", "case number", "henvendelse", "id", "nr", "nummer",
    ),
}
# fmt: on
#: Words too general to count when merely contained in a longer header.
_GENERIC = frozenset(
    {
        "date",
        "dato",
        "datum",
        "id",
        "nr",
        "nummer",
        "svar",
        "answer",
        "response",
        "score",
        "kunde",
        "kund",
        "customer",
        "mail",
        "tidspunkt",
        "ticket",
        "case",
        "sag",
        "sak",
        "created",
        "point",
        "contact",
        "kontakt",
        "client",
    }
)  # fmt: skip
_SURVEY_KINDS: dict[str, frozenset[str]] = {
    "date": frozenset({"date"}),
    "score": frozenset({"number"}),
    "customer": frozenset({"id", "text", "number"}),
}
#: Ticket times may be text: a file read without dropping the time of day.
_TICKET_KINDS: dict[str, frozenset[str]] = {
    "created": frozenset({"date", "text"}),
    "first_reply": frozenset({"date", "text"}),
    "id": frozenset({"id", "text", "number"}),
}
_SCALE_HINTS: dict[str, tuple[str, ...]] = {
    "nps": ("nps", "net promoter", "anbefal", "recommend", "rekommend"),
    "csat": ("csat", "tilfreds", "nojd", "satisf"),
}


# The shared header matcher (kpi_core.mapping.RoleMatcher), one per export.
_SURVEY = RoleMatcher(tuple(_SURVEY_WORDS), _SURVEY_WORDS, _SURVEY_KINDS, _GENERIC)
_TICKETS = RoleMatcher(tuple(_TICKET_WORDS), _TICKET_WORDS, _TICKET_KINDS, _GENERIC)


@dataclass(frozen=True)
class SurveyColumns:
    """Which columns of a survey export hold the answer date, the score and the customer."""

    date: str
    score: str
    customer: str | None = None


@dataclass(frozen=True)
class TicketColumns:
    """Which columns of a ticket export hold the created and first-reply times (and the id)."""

    created: str
    first_reply: str
    id: str | None = None


def suggest_survey_columns(
    kinds: Mapping[str, str], *, scale: Scale | None = None
) -> SurveyColumns:
    """Suggest the date, score and customer columns of a survey export from its headers.

    Headers are recognised in Danish, Norwegian, Swedish and English (Dato/
    Datum/Date, Score/Svar/Karakter/Bedømmelse/Betyg/Rating/NPS/CSAT,
    Kunde-id/Kundnr/Customer ID …). With ``scale``, a header naming that
    scale ("NPS", "Anbefaling", "CSAT", "Tilfredshed") is preferred and one
    naming the other scale is skipped, so an export with both columns works.
    Without a date header the first date column is taken; without a score
    header, the only number column (if there is exactly one).

    Parameters
    ----------
    kinds
        Column → kind (``"date"``, ``"number"``, ``"text"``, ``"id"``), as
        ``LoadedTable.kinds``.

    Raises
    ------
    InputError
        Naming what is missing: no date column, or no score column.

    Examples
    --------
    >>> suggest_survey_columns({"Dato": "date", "Kunde-id": "id", "Karakter": "number"})
    SurveyColumns(date='Dato', score='Karakter', customer='Kunde-id')
    >>> kinds = {"Datum": "date", "NPS": "number", "CSAT": "number"}
    >>> suggest_survey_columns(kinds, scale="csat").score
    'CSAT'
    """

    def adjust(role: str, column: str, score: float) -> float:
        if role != "score" or scale is None:
            return score
        folded = _fold(column)
        other = "csat" if scale == "nps" else "nps"
        if any(h in folded for h in _SCALE_HINTS[scale]):
            return score + 0.5
        if any(h in folded for h in _SCALE_HINTS[other]):
            return 0.0
        return score

    roles = _SURVEY.suggest(kinds, adjust=adjust)
    taken = set(roles.values())
    if "date" not in roles:
        first = next((c for c, k in kinds.items() if k == "date" and c not in taken), None)
        if first is not None:
            roles["date"] = first
            taken.add(first)
    if "score" not in roles:
        numbers = [c for c, k in kinds.items() if k == "number" and c not in taken]
        if len(numbers) == 1:
            roles["score"] = numbers[0]
    if "date" not in roles or "score" not in roles:
        what = "date" if "score" in roles else ("score" if "date" in roles else "date_or_score")
        raise InputError.of(f"satisfaction.error.no_{what}.{scale or 'any'}")
    return SurveyColumns(roles["date"], roles["score"], roles.get("customer"))


def suggest_ticket_columns(kinds: Mapping[str, str]) -> TicketColumns:
    """Suggest the created, first-reply and id columns of a support-ticket export.

    Headers in Danish, Norwegian, Swedish and English: Oprettet/Opprettet/
    Skapad/Created, Første svar/Första svar/First reply/First response,
    Sagsnr/Ärende/Ticket ID … Without a created header the first date column
    not taken is the created time; the first reply is never guessed. Text
    columns with these headers count too: the loader drops times of day
    from date columns, so a file may be read as text to keep the hours
    (:func:`first_response` reads ``2024-11-11 08:45`` and
    ``11-11-2024 08:45``).

    Raises
    ------
    InputError
        Naming what is missing: the created time or the first-reply time.

    Examples
    --------
    >>> kinds = {"Sagsnr": "id", "Oprettet": "date", "Første svar": "date", "Løst": "date"}
    >>> suggest_ticket_columns(kinds)
    TicketColumns(created='Oprettet', first_reply='Første svar', id='Sagsnr')
    """
    roles = _TICKETS.suggest(kinds)
    if "created" not in roles:
        taken = set(roles.values())
        first = next((c for c, k in kinds.items() if k == "date" and c not in taken), None)
        if first is not None:
            roles["created"] = first
    if "created" not in roles and "first_reply" not in roles:
        raise InputError.of("satisfaction.error.no_ticket_columns")
    if "created" not in roles:
        raise InputError.of("satisfaction.error.no_created_column")
    if "first_reply" not in roles:
        raise InputError.of("satisfaction.error.no_reply_column")
    return TicketColumns(roles["created"], roles["first_reply"], roles.get("id"))


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Score:
    """One NPS or CSAT figure with its uncertainty.

    Attributes
    ----------
    value
        NPS in points (−100…100) or CSAT in per cent (0…100); ``None``
        without answers.
    n
        The number of answers.
    low, high
        The 95 % interval in the same unit (normal approximation for NPS,
        Wilson for CSAT; see the module notes); ``None`` without answers.
    promoters, passives, detractors
        NPS counts (9–10, 7–8, 0–6); ``None`` for CSAT.
    satisfied
        CSAT count of 4s and 5s; ``None`` for NPS.
    reliable
        ``n >= MIN_RELIABLE`` (30): below that, read the score as a rough hint.
    sentence
        The figure in words, with the answers and the interval.
    measure
        ``"nps"`` or ``"csat"``.
    """

    value: float | None
    n: int
    low: float | None
    high: float | None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    satisfied: int | None = None
    reliable: bool = False
    sentence: str = ""
    measure: Scale = "nps"


def _round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _points(x: float) -> str:
    """``+32``, ``−20``, ``0`` (a typographic minus)."""
    shown = _round_half_away(x)
    if shown == 0:
        return "0"
    return f"+{shown}" if shown > 0 else f"−{-shown}"


def nps_from_counts(promoters: int, passives: int, detractors: int, *, locale: str = "en") -> Score:
    """NPS and its 95 % interval from the three counts (see the module notes).

    >>> s = nps_from_counts(5, 2, 3)
    >>> s.value, round(s.low, 2), round(s.high, 2)
    (20.0, -34.03, 74.03)
    """
    for count in (promoters, passives, detractors):
        if count < 0:
            raise InputError.of("satisfaction.error.negative_counts")
    n = promoters + passives + detractors
    if n == 0:
        return Score(
            value=None,
            n=0,
            low=None,
            high=None,
            promoters=0,
            passives=0,
            detractors=0,
            sentence=t("satisfaction.sentence.no_nps", locale=locale),
            measure="nps",
        )
    p, d = promoters / n, detractors / n
    value = 100.0 * (p - d)
    variance = max(p + d - (p - d) ** 2, 0.0) / n
    half = _Z95 * 100.0 * math.sqrt(variance)
    low, high = max(value - half, -100.0), min(value + half, 100.0)
    reliable = n >= MIN_RELIABLE
    said = {"score": _points(value), "answers": t("satisfaction.answers", locale=locale, count=n)}
    if half == 0.0:
        group = next(
            g
            for g, c in (("promoter", promoters), ("passive", passives), ("detractor", detractors))
            if c == n
        )
        said["group"] = t(f"satisfaction.group.{group}", locale=locale)
        key = "nps_all_alike" if reliable else "nps_all_alike_few"
    else:
        said |= {"low": _points(low), "high": _points(high)}
        key = "nps" if reliable else "nps_few"
    sentence = t(f"satisfaction.sentence.{key}", locale=locale, **said)
    return Score(
        value=value,
        n=n,
        low=low,
        high=high,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        reliable=reliable,
        sentence=sentence,
        measure="nps",
    )


def wilson_interval(successes: int, n: int, *, z: float = _Z95) -> tuple[float, float]:
    """The Wilson score interval for a share, as shares in [0, 1].

    ``(p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)``.

    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    if n <= 0:
        raise InputError.of("satisfaction.error.no_answers")
    if not 0 <= successes <= n:
        raise InputError.of("satisfaction.error.not_a_share", successes=successes, n=n)
    share = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (share + z2 / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / denominator
    # At 0 and at n the bound is exactly 0 (or 1); say so rather than leave rounding noise.
    low = 0.0 if successes == 0 else max(centre - half, 0.0)
    high = 1.0 if successes == n else min(centre + half, 1.0)
    return low, high


def _percent(x: float, locale: str = "en") -> str:
    """``84 %`` (a no-break space outside English)."""
    return f"{_round_half_away(x)} %" if locale == "en" else f"{_round_half_away(x)}\u00a0%"


def csat_from_counts(satisfied: int, n: int, *, locale: str = "en") -> Score:
    """CSAT (per cent of 4s and 5s) and its Wilson 95 % interval from the counts.

    >>> s = csat_from_counts(8, 10)
    >>> s.value, round(s.low, 1), round(s.high, 1)
    (80.0, 49.0, 94.3)
    """
    if n == 0:
        return Score(
            value=None,
            n=0,
            low=None,
            high=None,
            satisfied=0,
            sentence=t("satisfaction.sentence.no_csat", locale=locale),
            measure="csat",
        )
    lo, hi = wilson_interval(satisfied, n)
    value, low, high = 100.0 * satisfied / n, 100.0 * lo, 100.0 * hi
    reliable = n >= MIN_RELIABLE
    sentence = t(
        f"satisfaction.sentence.{'csat' if reliable else 'csat_few'}",
        locale=locale,
        score=_percent(value, locale),
        answers=t("satisfaction.answers", locale=locale, count=n),
        low=_percent(low, locale),
        high=_percent(high, locale),
    )
    return Score(
        value=value,
        n=n,
        low=low,
        high=high,
        satisfied=satisfied,
        reliable=reliable,
        sentence=sentence,
        measure="csat",
    )


def _checked(scores: Iterable[object], scale: Scale) -> list[int]:
    """Whole answers on the scale; blanks (None, NaN) skipped; anything else refused."""
    lo, hi = _SCALES[scale]
    if isinstance(scores, pl.Series):
        scores = scores.to_list()
    good: list[int] = []
    bad: list[str] = []
    for value in scores:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            bad.append(repr(value))
            continue
        if float(value).is_integer() and lo <= value <= hi:
            good.append(int(value))
        else:
            bad.append(f"{value:g}")
    if bad:
        raise InputError.of(
            f"satisfaction.error.off_scale.{scale}", count=len(bad), examples=", ".join(bad[:3])
        )
    return good


def nps(scores: Iterable[float | int | None] | pl.Series, *, locale: str = "en") -> Score:
    """The Net Promoter Score of 0–10 answers, with its 95 % interval.

    Blanks (``None``, NaN) are skipped as unanswered.

    Raises
    ------
    InputError
        An answer outside 0–10 or not a whole number; the message shows
        examples. (For files use :func:`validate_survey`, which reports and
        leaves out such rows instead.)

    Examples
    --------
    >>> nps([9]).sentence
    'NPS +100 from 1 answer: too few to read much into (every answer is a promoter, so the interval has no width).'
    >>> nps([9, 11, 7.5])
    Traceback (most recent call last):
    ...
    kpi_core.issues.InputError: 2 answers are not whole numbers from 0 to 10 (such as 11, 7.5); NPS answers run from 0 to 10.
    """  # noqa: E501
    values = _checked(scores, "nps")
    promoters = sum(1 for v in values if v >= 9)
    passives = sum(1 for v in values if 7 <= v <= 8)
    return nps_from_counts(promoters, passives, len(values) - promoters - passives, locale=locale)


def csat(scores: Iterable[float | int | None] | pl.Series, *, locale: str = "en") -> Score:
    """CSAT of 1–5 answers: the share of 4s and 5s in per cent, with a Wilson 95 % interval.

    Blanks are skipped; answers outside 1–5 or not whole raise
    :class:`~kpi_core.issues.InputError`.

    >>> csat([5, 4, 4, 3, 5, 2, 4, 5, 1, 4]).sentence
    'CSAT 70 % from 10 answers: too few to read much into (interval 40 % to 89 %).'
    """
    values = _checked(scores, "csat")
    return csat_from_counts(sum(1 for v in values if v >= 4), len(values), locale=locale)


# ---------------------------------------------------------------------------
# Reading dates, times and scores from a frame
# ---------------------------------------------------------------------------

_TIMED_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y kl. %H:%M",
    "%d.%m.%Y kl. %H.%M",
)
_DAY_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class _Times:
    values: pl.Series  # Datetime("us"), naive
    has_time: bool  # any value carries a time of day
    unread: pl.Series  # Boolean: text present but not a date/time


def _as_datetime(series: pl.Series) -> _Times | None:
    """A column as naive timestamps; ``None`` when it cannot hold times at all.

    Dates become midnight; time-zone-aware times are taken in UTC; text is
    read as ISO (``2026-01-05 09:30``, ``2026-01-05T09:30:00Z``) or day first
    (``05-01-2026 09:30``, ``05.01.2026 09:30``, ``05/01/2026``).
    """
    dtype = series.dtype
    if dtype == pl.Date:
        values = series.cast(pl.Datetime("us"))
        return _Times(values, False, pl.Series([False] * series.len()))
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        values = series.cast(pl.Datetime("us"))
        timed = bool((values.dt.time() != dt.time(0)).any())
        return _Times(values, timed, pl.Series([False] * series.len()))
    if dtype != pl.String:
        return None
    text = series.str.strip_chars().str.replace(r"(?i)(Z|[+-]00:?00| UTC)$", "")
    text = pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()
    timed = pl.select(
        pl.coalesce([text.str.strptime(pl.Datetime("us"), f, strict=False) for f in _TIMED_FORMATS])
    ).to_series()
    days = pl.select(
        pl.coalesce([text.str.strptime(pl.Date, f, strict=False) for f in _DAY_FORMATS])
    ).to_series()
    values = pl.select(pl.coalesce(timed, days.cast(pl.Datetime("us")))).to_series()
    unread = (text.is_not_null() & values.is_null()).fill_null(False)
    return _Times(values.alias(series.name), bool(timed.is_not_null().any()), unread)


def _row_labels(frame: pl.DataFrame, id_column: str | None, locale: str = "en") -> pl.Series:
    """``ticket 1043`` from the id column, else ``row 7`` (1-based, data rows only)."""
    rows = pl.Series(
        [t("satisfaction.example.row", locale=locale, row=str(i + 1)) for i in range(frame.height)],
        dtype=pl.String,
    )
    if id_column is not None and id_column in frame.columns:
        ids = frame[id_column]
        if ids.dtype.is_float() and bool((ids.drop_nulls() == ids.drop_nulls().floor()).all()):
            ids = ids.cast(pl.Int64)  # 10588.0 read as a number is ticket 10588
        named = pl.Series(
            [
                None if i is None else t("satisfaction.example.ticket", locale=locale, id=str(i))
                for i in ids.to_list()
            ],
            dtype=pl.String,
        )
        return pl.select(pl.coalesce(named, rows)).to_series()
    return rows


def _survey(
    frame: pl.DataFrame, columns: SurveyColumns, scale: Scale, locale: str = "en"
) -> tuple[pl.DataFrame | None, list[Issue]]:
    """The usable answers (``date``, ``score``, ``customer``) and the findings."""
    issues: list[Issue] = []
    for role, name in (("date", columns.date), ("score", columns.score)):
        if name not in frame.columns:
            return None, [issue("error", name, f"satisfaction.issue.no_column.{role}", column=name)]
    if columns.customer is not None and columns.customer not in frame.columns:
        return None, [
            issue(
                "error",
                columns.customer,
                "satisfaction.issue.no_column.any",
                column=columns.customer,
            )
        ]
    times = _as_datetime(frame[columns.date])
    if times is None:
        return None, [
            issue("error", columns.date, "satisfaction.issue.no_dates", column=columns.date)
        ]
    raw = frame[columns.score]
    if raw.dtype.is_numeric():
        numbers = raw.cast(pl.Float64)
        unread = pl.Series([False] * raw.len())
    elif raw.dtype == pl.String:
        text = raw.str.strip_chars().str.replace(",", ".", literal=True)
        text = pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()
        numbers = text.cast(pl.Float64, strict=False)
        unread = (text.is_not_null() & numbers.is_null()).fill_null(False)
    else:
        return None, [
            issue("error", columns.score, "satisfaction.issue.no_scores", column=columns.score)
        ]
    lo, hi = _SCALES[scale]
    data = pl.DataFrame(
        {
            "date": times.values.cast(pl.Date),
            "score": numbers,
            "unread": unread,
            "date_unread": times.unread,
            "raw": raw.cast(pl.String),
            "customer": (
                frame[columns.customer].cast(pl.String)
                if columns.customer is not None
                else pl.Series([None] * frame.height, dtype=pl.String)
            ),
        }
    ).with_row_index("row", offset=1)
    blank = data.filter(pl.col("score").is_null() & ~pl.col("unread"))
    if blank.height:
        issues.append(
            issue(
                "info",
                columns.score,
                "satisfaction.issue.blank",
                count=blank.height,
                column=columns.score,
            )
        )
    present = data.filter(pl.col("score").is_not_null())
    off_scale = present.filter(
        (pl.col("score") != pl.col("score").floor())
        | (pl.col("score") < lo)
        | (pl.col("score") > hi)
    )
    bad = pl.concat([data.filter(pl.col("unread")), off_scale]).sort("row")
    if bad.height:
        examples = tuple(
            t("satisfaction.example.value_in_row", locale=locale, value=r["raw"], row=str(r["row"]))
            for r in bad.head(3).iter_rows(named=True)
        )
        issues.append(
            issue(
                "warning",
                columns.score,
                f"satisfaction.issue.off_scale.{scale}",
                examples=examples,
                count=bad.height,
                column=columns.score,
            )
        )
    usable = present.join(off_scale.select("row"), on="row", how="anti")
    undated = usable.filter(pl.col("date").is_null())
    if undated.height:
        examples = tuple(
            t("satisfaction.example.row", locale=locale, row=str(r["row"]))
            for r in undated.head(3).iter_rows(named=True)
        )
        issues.append(
            issue(
                "warning",
                columns.date,
                "satisfaction.issue.undated",
                examples=examples,
                count=undated.height,
                column=columns.date,
            )
        )
    usable = usable.filter(pl.col("date").is_not_null())
    if usable.is_empty():
        issues.append(
            issue(
                "error",
                columns.score,
                f"satisfaction.issue.nothing_usable.{scale}",
                column=columns.score,
            )
        )
        return usable.select("date", pl.col("score").cast(pl.Int64), "customer"), issues
    scores = usable["score"]
    if scale == "nps" and usable.height >= 10 and scores.min() >= 1 and scores.max() <= 5:
        issues.append(
            issue(
                "warning", columns.score, "satisfaction.issue.looks_like_csat", column=columns.score
            )
        )
    if scale == "csat":
        above = bad.filter(pl.col("score").is_between(6, 10)).height
        if above and above >= usable.height:
            issues.append(
                issue(
                    "warning",
                    columns.score,
                    "satisfaction.issue.looks_like_nps",
                    column=columns.score,
                )
            )
    if columns.customer is not None:
        repeat = (
            usable.filter(pl.col("customer").is_not_null())
            .group_by(pl.col("date").dt.truncate("1mo").alias("month"), "customer")
            .len()
            .filter(pl.col("len") > 1)
        )
        if repeat.height:
            issues.append(
                issue(
                    "info",
                    columns.customer,
                    "satisfaction.issue.answered_twice",
                    examples=tuple(repeat["customer"].head(3).to_list()),
                    count=repeat.height,
                )
            )
    return usable.select("date", pl.col("score").cast(pl.Int64), "customer"), issues


def validate_survey(
    frame: pl.DataFrame, columns: SurveyColumns, *, scale: Scale, locale: str = "en"
) -> list[Issue]:
    """Check a survey table and its column choice; an empty list means all is well.

    Reported and left out by the monthly functions: blank answers (info),
    answers that are not whole numbers on the scale (``0–10`` for NPS,
    ``1–5`` for CSAT; warning with examples and row numbers, 1-based over
    the data rows), answers without a readable date (warning). Also: a 0–10
    column that looks like CSAT and the reverse (warning), customers who
    answered more than once in a month (info). An error means nothing can
    be computed (a missing column, or no usable answer at all).

    >>> t = pl.DataFrame({"Dato": [dt.date(2026, 1, 5)] * 3, "Score": [9.0, 11.0, None]})
    >>> [i.level for i in validate_survey(t, SurveyColumns("Dato", "Score"), scale="nps")]
    ['info', 'warning']
    """
    return _survey(frame, columns, scale, locale)[1]


def _answers_or_raise(frame: pl.DataFrame, columns: SurveyColumns, scale: Scale) -> pl.DataFrame:
    answers, issues = _survey(frame, columns, scale)
    if answers is None:
        error = next(i for i in issues if i.level == "error")
        raise InputError.of(error.key, **dict(error.params))
    return answers


# ---------------------------------------------------------------------------
# Per month
# ---------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _month_grid(months: pl.Series) -> list[dt.date]:
    """Every first-of-month from the earliest to the latest in ``months``."""
    if months.is_empty() or months.null_count() == months.len():
        return []
    first, last = months.min(), months.max()
    out = []
    current = first
    while current <= last:  # type: ignore[operator]
        out.append(current)
        current = _add_months(current, 1)  # type: ignore[arg-type]
    return out


_NPS_SCHEMA: dict[str, Any] = {
    "period": pl.String,
    "period_start": pl.Date,
    "n": pl.Int64,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "promoters": pl.Int64,
    "passives": pl.Int64,
    "detractors": pl.Int64,
    "reliable": pl.Boolean,
}
_CSAT_SCHEMA: dict[str, Any] = {
    "period": pl.String,
    "period_start": pl.Date,
    "n": pl.Int64,
    "satisfied": pl.Int64,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "reliable": pl.Boolean,
}


def _monthly_counts(answers: pl.DataFrame, scale: Scale) -> dict[dt.date, dict[str, int]]:
    score = pl.col("score")
    if scale == "nps":
        aggs = [
            (score >= 9).sum().alias("a"),
            score.is_between(7, 8).sum().alias("b"),
            (score <= 6).sum().alias("c"),
        ]
    else:
        aggs = [(score >= 4).sum().alias("a"), pl.len().alias("b"), pl.lit(0).alias("c")]
    grouped = answers.group_by(pl.col("date").dt.truncate("1mo").alias("month")).agg(aggs)
    return {
        r["month"]: {"a": int(r["a"]), "b": int(r["b"]), "c": int(r["c"])}
        for r in grouped.iter_rows(named=True)
    }


def nps_monthly(frame: pl.DataFrame, columns: SurveyColumns) -> pl.DataFrame:
    """NPS per calendar month of the answer date, with the answers behind it.

    Unusable rows are left out (see :func:`validate_survey`). Every month
    from the first to the last answer is present; a month without answers
    has ``n = 0`` and null ``value``, ``low``, ``high``.

    Returns
    -------
    pl.DataFrame
        ``period`` (``"2026-01"``), ``period_start``, ``n``, ``value``,
        ``low``, ``high`` (points, 95 % interval), ``promoters``,
        ``passives``, ``detractors``, ``reliable``. Empty when no answer is
        usable.

    Raises
    ------
    InputError
        A column is missing or holds no dates.

    Examples
    --------
    >>> t = pl.DataFrame({
    ...     "Dato": [dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 3, 2)],
    ...     "Score": [10.0, 3.0, 9.0],
    ... })
    >>> nps_monthly(t, SurveyColumns("Dato", "Score")).select("period", "n", "value").rows()
    [('2026-01', 2, 0.0), ('2026-02', 0, None), ('2026-03', 1, 100.0)]
    """
    answers = _answers_or_raise(frame, columns, "nps")
    counts = _monthly_counts(answers, "nps")
    rows = []
    for month in _month_grid(pl.Series(list(counts), dtype=pl.Date)):
        c = counts.get(month, {"a": 0, "b": 0, "c": 0})
        s = nps_from_counts(c["a"], c["b"], c["c"])
        rows.append(
            {
                "period": period_label(month, "month"),
                "period_start": month,
                "n": s.n,
                "value": s.value,
                "low": s.low,
                "high": s.high,
                "promoters": s.promoters,
                "passives": s.passives,
                "detractors": s.detractors,
                "reliable": s.reliable,
            }
        )
    return pl.DataFrame(rows, schema=_NPS_SCHEMA)


def csat_monthly(frame: pl.DataFrame, columns: SurveyColumns) -> pl.DataFrame:
    """CSAT per calendar month of the answer date (see :func:`nps_monthly`).

    Returns
    -------
    pl.DataFrame
        ``period``, ``period_start``, ``n``, ``satisfied`` (4s and 5s),
        ``value``, ``low``, ``high`` (per cent, Wilson 95 % interval),
        ``reliable``; months without answers have ``n = 0`` and nulls.
    """
    answers = _answers_or_raise(frame, columns, "csat")
    counts = _monthly_counts(answers, "csat")
    rows = []
    for month in _month_grid(pl.Series(list(counts), dtype=pl.Date)):
        c = counts.get(month, {"a": 0, "b": 0, "c": 0})
        s = csat_from_counts(c["a"], c["b"])
        rows.append(
            {
                "period": period_label(month, "month"),
                "period_start": month,
                "n": s.n,
                "satisfied": s.satisfied,
                "value": s.value,
                "low": s.low,
                "high": s.high,
                "reliable": s.reliable,
            }
        )
    return pl.DataFrame(rows, schema=_CSAT_SCHEMA)


def score_of(
    frame: pl.DataFrame, columns: SurveyColumns, *, scale: Scale, locale: str = "en"
) -> Score:
    """The NPS or CSAT of all usable answers in a table (rows as in :func:`validate_survey`)."""
    answers = _answers_or_raise(frame, columns, scale)
    values = answers["score"].to_list()
    return nps(values, locale=locale) if scale == "nps" else csat(values, locale=locale)


# ---------------------------------------------------------------------------
# Support tickets: time to first reply
# ---------------------------------------------------------------------------


def _tickets(
    frame: pl.DataFrame, columns: TicketColumns, locale: str = "en"
) -> tuple[pl.DataFrame | None, list[Issue]]:
    """``created``, ``status`` (answered/unanswered/negative), ``hours``, and the findings."""
    for role, name in (("created", columns.created), ("first_reply", columns.first_reply)):
        if name not in frame.columns:
            return None, [issue("error", name, f"satisfaction.issue.no_column.{role}", column=name)]
    if columns.id is not None and columns.id not in frame.columns:
        return None, [
            issue("error", columns.id, "satisfaction.issue.no_column.any", column=columns.id)
        ]
    created = _as_datetime(frame[columns.created])
    reply = _as_datetime(frame[columns.first_reply])
    for times, name in ((created, columns.created), (reply, columns.first_reply)):
        if times is None:
            return None, [issue("error", name, "satisfaction.issue.no_times", column=name)]
    assert created is not None and reply is not None
    issues: list[Issue] = []
    labels = _row_labels(frame, columns.id, locale)
    data = pl.DataFrame(
        {
            "label": labels,
            "created": created.values,
            "reply": reply.values,
            "created_unread": created.unread,
            "reply_unread": reply.unread,
            "raw_created": frame[columns.created].cast(pl.String),
            "raw_reply": frame[columns.first_reply].cast(pl.String),
        }
    )
    for flag, name, raw, key in (
        ("created_unread", columns.created, "raw_created", "unread_created"),
        ("reply_unread", columns.first_reply, "raw_reply", "unread_reply"),
    ):
        unread = data.filter(pl.col(flag))
        if unread.height:
            issues.append(
                issue(
                    "warning",
                    name,
                    f"satisfaction.issue.{key}",
                    examples=tuple(
                        t(
                            "satisfaction.example.label_value",
                            locale=locale,
                            label=r["label"],
                            value=r[raw],
                        )
                        for r in unread.head(3).iter_rows(named=True)
                    ),
                    count=unread.height,
                    column=name,
                )
            )
    no_created = data.filter(pl.col("created").is_null() & ~pl.col("created_unread")).height
    if no_created:
        issues.append(
            issue(
                "warning",
                columns.created,
                "satisfaction.issue.no_created",
                count=no_created,
                column=columns.created,
            )
        )
    data = data.filter(pl.col("created").is_not_null())
    if data.is_empty():
        issues.append(
            issue(
                "error",
                columns.created,
                "satisfaction.issue.no_readable_time",
                column=columns.created,
            )
        )
    hours = (pl.col("reply") - pl.col("created")).dt.total_microseconds() / 3.6e9
    data = data.with_columns(hours.alias("raw_hours")).with_columns(
        pl.when(pl.col("reply").is_null())
        .then(pl.lit("unanswered"))
        .when(pl.col("raw_hours") < 0)
        .then(pl.lit("negative"))
        .otherwise(pl.lit("answered"))
        .alias("status"),
    )
    data = data.with_columns(
        pl.when(pl.col("status") == "answered").then(pl.col("raw_hours")).alias("hours")
    )
    unanswered = data.filter(pl.col("status") == "unanswered")
    if unanswered.height:
        share = unanswered.height / data.height
        examples = tuple(unanswered["label"].head(3).to_list())
        if share < 0.005:
            found = issue(
                "info",
                columns.first_reply,
                "satisfaction.issue.unanswered_few",
                examples=examples,
                count=unanswered.height,
            )
        else:
            pattern = "#,##0%" if locale == "en" else "#,##0\u00a0%"
            shown = format_percent(share, format=pattern, locale=LOCALES.get(locale, "en_GB"))
            found = issue(
                "info",
                columns.first_reply,
                "satisfaction.issue.unanswered",
                examples=examples,
                count=unanswered.height,
                share=shown,
            )
        issues.append(found)
    negative = data.filter(pl.col("status") == "negative")
    if negative.height:
        issues.append(
            issue(
                "warning",
                columns.first_reply,
                "satisfaction.issue.reply_before_created",
                examples=tuple(
                    t(
                        "satisfaction.example.reply_before_created",
                        locale=locale,
                        label=r["label"],
                        created=f"{r['created']:%Y-%m-%d %H:%M}",
                        reply=f"{r['reply']:%Y-%m-%d %H:%M}",
                    )
                    for r in negative.head(3).iter_rows(named=True)
                ),
                count=negative.height,
            )
        )
    if not created.has_time and not reply.has_time:
        issues.append(
            issue(
                "info",
                columns.first_reply,
                "satisfaction.issue.whole_days",
                created=columns.created,
                reply=columns.first_reply,
            )
        )
    return data.select("created", "status", "hours"), issues


def validate_tickets(
    frame: pl.DataFrame, columns: TicketColumns, *, locale: str = "en"
) -> list[Issue]:
    """Check a ticket table; every ticket left out of the times is accounted for here.

    Findings: unreadable times (warning, with examples), tickets without a
    created time (warning; left out), **unanswered tickets** (info: counted
    as tickets, not in the times), **first replies before creation**
    (warning, with examples; counted as tickets, not in the times), and
    date-only columns (info: times are whole days). Examples name the
    ticket by its id column, else by its 1-based data row.

    >>> t = pl.DataFrame({
    ...     "Oprettet": [dt.datetime(2026, 1, 5, 9), dt.datetime(2026, 1, 5, 12)],
    ...     "Første svar": [dt.datetime(2026, 1, 5, 8), None],
    ... })
    >>> [(i.level, i.count) for i in validate_tickets(t, TicketColumns("Oprettet", "Første svar"))]
    [('info', 1), ('warning', 1)]
    """
    return _tickets(frame, columns, locale)[1]


_RESPONSE_SCHEMA: dict[str, Any] = {
    "period": pl.String,
    "period_start": pl.Date,
    "tickets": pl.Int64,
    "answered": pl.Int64,
    "unanswered": pl.Int64,
    "reply_before_created": pl.Int64,
    "mean_hours": pl.Float64,
    "median_hours": pl.Float64,
    "p90_hours": pl.Float64,
}


def first_response(frame: pl.DataFrame, columns: TicketColumns) -> pl.DataFrame:
    """Time to the first reply per calendar month of ticket creation.

    Returns
    -------
    pl.DataFrame
        ``period``, ``period_start``, ``tickets`` (with a created time),
        ``answered`` (reply at or after creation: the ones timed),
        ``unanswered``, ``reply_before_created`` (so ``tickets = answered +
        unanswered + reply_before_created``), and ``mean_hours``,
        ``median_hours``, ``p90_hours`` over the answered tickets (linear
        interpolation for the percentiles). Every month from the first to the
        last ticket is present; without answered tickets the hours are null.

    Raises
    ------
    InputError
        A column is missing or holds no dates or times.

    Examples
    --------
    >>> t = pl.DataFrame({
    ...     "Oprettet": [dt.datetime(2026, 1, 5, 9), dt.datetime(2026, 1, 6, 10)],
    ...     "Første svar": [dt.datetime(2026, 1, 5, 11), dt.datetime(2026, 1, 7, 10)],
    ... })
    >>> first_response(t, TicketColumns("Oprettet", "Første svar")).select(
    ...     "period", "answered", "mean_hours", "median_hours", "p90_hours").rows()
    [('2026-01', 2, 13.0, 13.0, 21.8)]
    """
    tickets, issues = _tickets(frame, columns)
    if tickets is None:
        error = next(i for i in issues if i.level == "error")
        raise InputError.of(error.key, **dict(error.params))
    status = pl.col("status")
    grouped = tickets.group_by(pl.col("created").dt.date().dt.truncate("1mo").alias("month")).agg(
        pl.len().alias("tickets"),
        (status == "answered").sum().alias("answered"),
        (status == "unanswered").sum().alias("unanswered"),
        (status == "negative").sum().alias("reply_before_created"),
        pl.col("hours").mean().alias("mean_hours"),
        pl.col("hours").median().alias("median_hours"),
        pl.col("hours").quantile(0.9, interpolation="linear").alias("p90_hours"),
    )
    by_month = {r["month"]: r for r in grouped.iter_rows(named=True)}
    rows = []
    for month in _month_grid(pl.Series(list(by_month), dtype=pl.Date)):
        r = by_month.get(month, {})
        rows.append(
            {
                "period": period_label(month, "month"),
                "period_start": month,
                "tickets": r.get("tickets", 0),
                "answered": r.get("answered", 0),
                "unanswered": r.get("unanswered", 0),
                "reply_before_created": r.get("reply_before_created", 0),
                "mean_hours": r.get("mean_hours"),
                "median_hours": r.get("median_hours"),
                "p90_hours": r.get("p90_hours"),
            }
        )
    return pl.DataFrame(rows, schema=_RESPONSE_SCHEMA)


def score_table(scores: Sequence[Score]) -> pl.DataFrame:
    """Scores as a frame (one row each), for export and the command line."""
    return pl.DataFrame(
        [
            {
                "measure": s.measure,
                "n": s.n,
                "value": s.value,
                "low": s.low,
                "high": s.high,
                "promoters": s.promoters,
                "passives": s.passives,
                "detractors": s.detractors,
                "satisfied": s.satisfied,
                "reliable": s.reliable,
                "sentence": s.sentence,
            }
            for s in scores
        ],
        schema={
            "measure": pl.String,
            "n": pl.Int64,
            "value": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "promoters": pl.Int64,
            "passives": pl.Int64,
            "detractors": pl.Int64,
            "satisfied": pl.Int64,
            "reliable": pl.Boolean,
            "sentence": pl.String,
        },
    )
