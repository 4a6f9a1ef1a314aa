"""Generate the sample workspace of the fictional Nordlys Solenergi ApS.

Run ``python sample_data/generate.py`` (or with ``--out DIR``). The output is
byte-for-byte the same on every run: a fixed seed, only the standard library's
``random.random()`` as the source of randomness (its sequence is guaranteed
stable across Python versions, unlike numpy's or ``random``'s other methods),
and fixed workbook properties so xlsxwriter writes no clock time.

The data is built lead by lead: every lead has a created date and a channel
and then moves (or not) to MQL, SQL and customer with channel-specific
probabilities and realistic delays. The daily marketing sheet counts those
events by event date, so the workbook and the CRM export agree exactly.
See ``sample_data/README.md`` for the story and the planted patterns.
"""

from __future__ import annotations

import argparse
import calendar
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

SEED = 20241101

#: First and last day of the daily marketing sheet (two full years).
START = date(2024, 11, 1)
END = date(2026, 10, 31)
#: The CRM was taken into use three months before the marketing sheet starts,
#: so customers won in November 2024 have their earlier leads in the export
#: (without this the first months would show too few customers).
CRM_START = date(2024, 8, 1)
#: From this day the new, shorter quote form lets unqualified requests in.
LEAK_START = date(2026, 8, 1)

GOOGLE, META, NEWS, ORGANIC, REFERRAL = (
    "Google Ads",
    "Meta",
    "Nyhedsbrev",
    "Organisk søgning",
    "Henvisninger",
)
CHANNELS: tuple[str, ...] = (GOOGLE, META, NEWS, ORGANIC, REFERRAL)
#: Channels whose leads come in through the website's quote form (referrals
#: mostly phone or write directly, so the form change does not touch them).
WEB_FORM_CHANNELS = frozenset({GOOGLE, META, NEWS, ORGANIC})


@dataclass(frozen=True)
class StageRates:
    """Probabilities of moving on from one stage to the next."""

    lead_to_mql: float
    mql_to_sql: float
    sql_to_won: float


#: Henvisninger (referrals) are clearly the best channel, Meta clearly the worst.
STAGE_RATES: dict[str, StageRates] = {
    GOOGLE: StageRates(0.60, 0.52, 0.42),
    META: StageRates(0.46, 0.38, 0.30),
    NEWS: StageRates(0.70, 0.58, 0.50),
    ORGANIC: StageRates(0.62, 0.52, 0.46),
    REFERRAL: StageRates(0.80, 0.68, 0.60),
}
#: During the leak the short form brings a few more leads but far fewer MQLs.
LEAK_LEAD_FACTOR = 1.12
LEAK_MQL_FACTOR = 0.60
#: Share of lost leads that nobody ever closes in the CRM (stale leads).
STALE_SHARE = 0.02
#: Customers installed before the period; they place service orders too.
INSTALLED_BASE = 900

HEADERS: tuple[str, ...] = (
    "Dato",
    "Kanal",
    "Kampagne",
    "Visninger",
    "Klik",
    "Besøg",
    "Leads",
    "MQL",
    "SQL",
    "Nye kunder",
    "Ordrer",
    "Omsætning (kr.)",
    "Annonceudgift (kr.)",
)
CSV_HEADERS: tuple[str, ...] = (
    "Lead-ID",
    "Oprettet",
    "Kilde",
    "MQL dato",
    "SQL dato",
    "Vundet dato",
    "Tabt dato",
    "Ordreværdi (kr.)",
    "Postnr",
)
DANISH_MONTHS: tuple[str, ...] = (
    "jan",
    "feb",
    "mar",
    "apr",
    "maj",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
)

#: Real Danish postcodes around the firm's base in East Jutland, with weights.
POSTCODES: tuple[tuple[str, int], ...] = (
    ("8000", 6), ("8200", 5), ("8210", 5), ("8220", 4), ("8230", 5), ("8240", 4),
    ("8250", 3), ("8260", 5), ("8270", 4), ("8300", 4), ("8310", 3), ("8320", 3),
    ("8330", 2), ("8340", 2), ("8355", 3), ("8361", 3), ("8362", 2), ("8370", 2),
    ("8380", 3), ("8381", 3), ("8382", 3), ("8400", 2), ("8410", 2), ("8450", 3),
    ("8464", 3), ("8471", 2), ("8520", 4), ("8530", 2), ("8541", 3), ("8543", 2),
    ("8550", 2), ("8600", 5), ("8660", 5), ("8680", 3), ("8700", 5), ("8722", 2),
    ("8732", 1), ("8740", 2), ("8751", 1), ("8800", 3), ("8850", 2), ("8870", 2),
    ("8900", 3), ("8920", 2), ("8930", 2), ("8940", 2), ("8960", 2), ("7100", 2),
    ("7120", 1), ("7130", 1), ("7400", 1), ("6000", 1), ("7000", 1),
)  # fmt: skip

#: Weekday factors (Monday first) for traffic and leads; homeowners browse on
#: Sunday evenings and least on Saturdays. They average 1.
WEEKDAY_TRAFFIC: tuple[float, ...] = (1.12, 1.10, 1.06, 1.02, 0.88, 0.80, 1.02)
WEEKDAY_SPEND: tuple[float, ...] = (1.05, 1.05, 1.03, 1.00, 0.95, 0.92, 1.00)


class Rng:
    """Random draws built only on ``random.Random.random()``.

    Python guarantees that ``random()`` gives the same sequence for the same
    seed in every version; its other methods and numpy's generators make no
    such promise, and the committed files must regenerate byte for byte.
    """

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def uniform(self) -> float:
        """Return a float in [0, 1)."""
        return self._random.random()

    def bernoulli(self, p: float) -> bool:
        """Return ``True`` with probability ``p``."""
        return self.uniform() < p

    def normal(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """Box-Muller draw (one of the pair; simplicity over speed)."""
        u1 = 1.0 - self.uniform()  # in (0, 1], so log() is finite
        u2 = self.uniform()
        return mu + sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def lognormal(self, median: float, sigma: float) -> float:
        """Log-normal draw given its median: delays and amounts are skewed."""
        return median * math.exp(sigma * self.normal())

    def poisson(self, lam: float) -> int:
        """Poisson draw: Knuth's method when small, a normal approximation when large."""
        if lam <= 0.0:
            return 0
        if lam < 30.0:
            limit = math.exp(-lam)
            k = 0
            product = self.uniform()
            while product > limit:
                k += 1
                product *= self.uniform()
            return k
        return max(0, round(self.normal(lam, math.sqrt(lam))))

    def binomial(self, n: int, p: float) -> int:
        """Binomial draw: exact when small, a clipped normal approximation when large."""
        if n <= 0 or p <= 0.0:
            return 0
        if n < 40:
            return sum(1 for _ in range(n) if self.uniform() < p)
        draw = round(self.normal(n * p, math.sqrt(n * p * (1.0 - p))))
        return min(n, max(0, draw))

    def weighted(self, items: Sequence[tuple[str, float]]) -> str:
        """Pick one item by weight."""
        total = sum(weight for _, weight in items)
        target = self.uniform() * total
        for item, weight in items:
            target -= weight
            if target < 0.0:
                return item
        return items[-1][0]


@dataclass
class Lead:
    """One quote request as the CRM holds it (``None`` = not reached yet)."""

    lead_id: int
    created: date
    channel: str
    postcode: str
    mql: date | None = None
    sql: date | None = None
    won: date | None = None
    lost: date | None = None
    value: int | None = None  # contract value in kr., only when won


@dataclass
class DayRow:
    """One day and channel of the marketing sheet, before event counts."""

    day: date
    channel: str
    campaign: str
    impressions: int | None  # None = not applicable to the channel
    clicks: int | None
    sessions: int
    spend: float | None


# ---------------------------------------------------------------------------
# The shape of demand
# ---------------------------------------------------------------------------


def season(day: date) -> float:
    """Interest in solar panels: peak at the end of May, low at the end of November."""
    phase = 2.0 * math.pi * (day.timetuple().tm_yday - 150) / 365.25
    return 1.0 + 0.30 * math.cos(phase)


def holiday(day: date) -> float:
    """Fewer quote requests around Christmas and in the July holiday weeks."""
    if (day.month == 12 and day.day >= 21) or (day.month == 1 and day.day <= 2):
        return 0.55
    if day.month == 7 and 5 <= day.day <= 28:
        return 0.85
    return 1.0


def years_since_start(day: date) -> float:
    """Years from the start of the marketing sheet (negative in the CRM's first months)."""
    return (day - START).days / 365.25


def monthly_ad_budget(channel: str, year: int, month: int) -> float:
    """Planned ad budget for a month: follows the season and grows 10 % a year."""
    mid = date(year, month, 15)
    base = {GOOGLE: 45_000.0, META: 33_000.0}[channel]
    return base * season(mid) ** 0.8 * 1.10 ** years_since_start(mid)


def google_campaign(day: date) -> str:
    """The search campaign running on ``day``: price in season, batteries off season."""
    return "Søg – solceller pris" if 3 <= day.month <= 8 else "Søg – solceller og batteri"


def meta_campaign(day: date) -> str:
    """The Meta campaign running on ``day`` (one per season)."""
    if 2 <= day.month <= 5:
        return "Meta – Forår lead ads"
    if 6 <= day.month <= 8:
        return "Meta – Sommer video"
    if 9 <= day.month <= 11:
        return "Meta – Efterår retargeting"
    return "Meta – Vinter tilbud"


def newsletter_send_days(first: date, last: date) -> list[date]:
    """First and third Tuesday of every month."""
    days: list[date] = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        tuesdays = [
            date(year, month, d)
            for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if date(year, month, d).weekday() == 1
        ]
        days.extend(d for d in (tuesdays[0], tuesdays[2]) if first <= d <= last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def next_weekday(day: date) -> date:
    """Move a Saturday or Sunday to Monday: the sales team works weekdays."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------


def simulate_traffic(rng: Rng) -> tuple[list[DayRow], dict[tuple[date, str], float]]:
    """Simulate ad delivery and website traffic for every day and channel.

    Returns
    -------
    rows
        One :class:`DayRow` per day and channel from ``CRM_START`` to ``END``.
    expected_leads
        The expected number of leads per (day, channel), drawn from later.
    """
    days = days_between(CRM_START, END)
    sends = set(newsletter_send_days(CRM_START, END))
    # Newsletter clicks arrive over the week after a send.
    click_spread = (0.52, 0.22, 0.10, 0.06, 0.04, 0.03, 0.03)
    news_clicks: dict[date, int] = defaultdict(int)
    news_campaign = f"Nyhedsbrev – {DANISH_MONTHS[CRM_START.month - 1]} {CRM_START.year}"
    rows: list[DayRow] = []
    expected: dict[tuple[date, str], float] = {}
    for day in days:
        s, h, wd = season(day), holiday(day), day.weekday()
        growth = years_since_start(day)
        leak = LEAK_LEAD_FACTOR if day >= LEAK_START else 1.0
        intent = s**0.3 * h

        for channel in (GOOGLE, META):
            budget = monthly_ad_budget(channel, day.year, day.month)
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            spend = round(budget / days_in_month * WEEKDAY_SPEND[wd] * rng.lognormal(1.0, 0.07), 2)
            if channel == GOOGLE:
                # Clicks cost more when everybody bids in the high season.
                cpc = 8.5 * (0.9 + 0.2 * s) * rng.lognormal(1.0, 0.06)
                clicks = rng.poisson(spend / cpc)
                ctr = 0.052 * rng.lognormal(1.0, 0.05)
                impressions = max(clicks, rng.poisson(clicks / ctr))
                sessions = rng.binomial(clicks, 0.88)
                lam = sessions * 0.022 * intent * leak
                campaign = google_campaign(day)
            else:
                cpm = 42.0 * (0.85 + 0.3 * s) * rng.lognormal(1.0, 0.06)
                impressions = rng.poisson(spend / cpm * 1000.0)
                clicks = rng.binomial(impressions, 0.0068)
                # Lead ads are filled in on Meta itself, so leads follow clicks
                # and not the (fewer) website sessions.
                sessions = rng.binomial(clicks, 0.55)
                lam = clicks * 0.017 * intent * leak
                campaign = meta_campaign(day)
            rows.append(DayRow(day, channel, campaign, impressions, clicks, sessions, spend))
            expected[(day, channel)] = lam

        # Newsletter: impressions are emails sent, only on send days.
        recipients = 0
        if day in sends:
            recipients = round(7_800 * 1.016 ** ((day - CRM_START).days / 30.44))
            total_clicks = rng.binomial(recipients, 0.028 * s**0.5)
            remaining = total_clicks
            share_left = 1.0
            for offset, share in enumerate(click_spread):
                n = (
                    remaining
                    if offset == len(click_spread) - 1
                    else rng.binomial(remaining, share / share_left)
                )
                news_clicks[day + timedelta(days=offset)] += n
                remaining -= n
                share_left -= share
            news_campaign = f"Nyhedsbrev – {DANISH_MONTHS[day.month - 1]} {day.year}"
        clicks = news_clicks.pop(day, 0)
        sessions = rng.binomial(clicks, 0.86)
        rows.append(DayRow(day, NEWS, news_campaign, recipients, clicks, sessions, None))
        expected[(day, NEWS)] = sessions * 0.045 * intent * leak

        sessions = rng.poisson(365.0 * s * h * 1.18**growth * WEEKDAY_TRAFFIC[wd])
        rows.append(DayRow(day, ORGANIC, "—", None, None, sessions, None))
        expected[(day, ORGANIC)] = sessions * 0.006 * intent * leak

        sessions = rng.poisson(33.0 * s**0.7 * h * 1.15**growth * WEEKDAY_TRAFFIC[wd])
        rows.append(DayRow(day, REFERRAL, "", None, None, sessions, None))
        expected[(day, REFERRAL)] = sessions * 0.034 * intent
    return rows, expected


def clip(day: date | None) -> date | None:
    """Events after the export day have not happened yet."""
    return day if day is not None and day <= END else None


def simulate_leads(rng: Rng, expected: dict[tuple[date, str], float]) -> list[Lead]:
    """Draw the leads of every day and channel and walk each through the funnel."""
    weights = [(code, float(w)) for code, w in POSTCODES]
    leads: list[Lead] = []
    next_id = 1
    for day in days_between(CRM_START, END):
        for channel in CHANNELS:
            for _ in range(rng.poisson(expected[(day, channel)])):
                # Spam and duplicates deleted in the CRM leave gaps in the ids.
                if rng.bernoulli(0.03):
                    next_id += 1
                lead = Lead(next_id, day, channel, rng.weighted(weights))
                next_id += 1
                progress(rng, lead)
                leads.append(lead)
    return leads


def progress(rng: Rng, lead: Lead) -> None:
    """Move one lead through MQL, SQL and won, or lose it on the way."""
    rates = STAGE_RATES[lead.channel]
    p_mql = rates.lead_to_mql
    if lead.created >= LEAK_START and lead.channel in WEB_FORM_CHANNELS:
        p_mql *= LEAK_MQL_FACTOR
    stale = rng.bernoulli(STALE_SHARE)

    def lose(after: date, median_days: float) -> None:
        if not stale:
            delay = max(1, round(rng.lognormal(median_days, 0.6)))
            lead.lost = clip(next_weekday(after + timedelta(days=delay)))

    if not rng.bernoulli(p_mql):
        lose(lead.created, 8.0)
        return
    # Qualification is automatic scoring plus a quick call: often same day.
    mql = lead.created + timedelta(days=int(-1.3 * math.log(1.0 - rng.uniform())))
    lead.mql = clip(mql)
    if not rng.bernoulli(rates.mql_to_sql):
        lose(mql, 18.0)
        return
    sql = next_weekday(mql + timedelta(days=max(1, round(rng.lognormal(6.0, 0.7)))))
    lead.sql = clip(sql)
    if not rng.bernoulli(rates.sql_to_won):
        lose(sql, 28.0)
        return
    won = sql + timedelta(days=max(2, round(rng.lognormal(17.0, 0.75))))
    # Most contracts are signed on weekdays; some by e-signature at the weekend.
    if won.weekday() >= 5 and rng.bernoulli(0.75):
        won = next_weekday(won)
    factor = {REFERRAL: 1.05, META: 0.95}.get(lead.channel, 1.0)
    value = max(35_000, round(rng.lognormal(80_000.0 * factor, 0.32) / 500) * 500)
    lead.won = clip(won)
    if lead.won is not None:
        lead.value = value


#: Service and add-on orders from existing customers: (kind, weight, median kr., spread).
SERVICE_KINDS: tuple[tuple[str, float, float, float], ...] = (
    ("Serviceeftersyn", 0.42, 1_995.0, 0.0),
    ("Ladeboks", 0.22, 14_500.0, 0.12),
    ("Batteri", 0.18, 42_000.0, 0.15),
    ("Ekstra paneler", 0.18, 24_000.0, 0.30),
)
#: Channel through which existing customers order (mostly the newsletter or
#: straight to the website).
SERVICE_CHANNELS: tuple[tuple[str, float], ...] = (
    (NEWS, 0.45),
    (ORGANIC, 0.35),
    (GOOGLE, 0.10),
    (META, 0.05),
    (REFERRAL, 0.05),
)


def simulate_service_orders(rng: Rng, leads: list[Lead]) -> list[tuple[date, str, int]]:
    """Service and add-on orders from the installed base, as (day, channel, kr.)."""
    won_per_day: dict[date, int] = defaultdict(int)
    for lead in leads:
        if lead.won is not None:
            won_per_day[lead.won] += 1
    kinds = [(kind, weight) for kind, weight, _, _ in SERVICE_KINDS]
    prices = {kind: (median, spread) for kind, _, median, spread in SERVICE_KINDS}
    orders: list[tuple[date, str, int]] = []
    base = INSTALLED_BASE
    for day in days_between(CRM_START, END):
        weekday = 1.0 if day.weekday() < 5 else 0.2
        for _ in range(rng.poisson(base * 0.00095 * weekday * season(day) ** 0.5)):
            channel = rng.weighted(SERVICE_CHANNELS)
            kind = rng.weighted(kinds)
            median, spread = prices[kind]
            if spread == 0.0:
                value = round(median)
            else:
                value = round(rng.lognormal(median, spread) / 100) * 100 - 5
            orders.append((day, channel, value))
        base += won_per_day.get(day, 0)
    return orders


# ---------------------------------------------------------------------------
# Aggregation and writing
# ---------------------------------------------------------------------------


@dataclass
class Counts:
    """Event counts of one day and channel."""

    leads: int = 0
    mqls: int = 0
    sqls: int = 0
    customers: int = 0
    orders: int = 0
    revenue: int = 0


def count_events(
    leads: list[Lead], service: list[tuple[date, str, int]]
) -> dict[tuple[date, str], Counts]:
    """Count every event on the day it happened (not on the lead's created day)."""
    counts: dict[tuple[date, str], Counts] = defaultdict(Counts)
    for lead in leads:
        counts[(lead.created, lead.channel)].leads += 1
        if lead.mql is not None:
            counts[(lead.mql, lead.channel)].mqls += 1
        if lead.sql is not None:
            counts[(lead.sql, lead.channel)].sqls += 1
        if lead.won is not None and lead.value is not None:
            c = counts[(lead.won, lead.channel)]
            c.customers += 1
            c.orders += 1
            c.revenue += lead.value
    for day, channel, value in service:
        c = counts[(day, channel)]
        c.orders += 1
        c.revenue += value
    return counts


def dk_date(day: date | None) -> str:
    """``dd-mm-yyyy``, or an empty cell for a stage not reached."""
    return "" if day is None else day.strftime("%d-%m-%Y")


def dk_money(value: float) -> str:
    """``84500`` -> ``84.500,00`` (Danish thousands and decimal separators)."""
    return f"{value:,.2f}".translate(str.maketrans(",.", ".,"))


def write_csv(path: Path, leads: list[Lead]) -> None:
    """Write the CRM export as Excel's "CSV UTF-8" does: BOM, ``;``, CRLF."""
    lines = [";".join(CSV_HEADERS)]
    for lead in leads:
        fields = (
            f"{lead.lead_id:06d}",
            dk_date(lead.created),
            lead.channel,
            dk_date(lead.mql),
            dk_date(lead.sql),
            dk_date(lead.won),
            dk_date(lead.lost),
            "" if lead.value is None else dk_money(lead.value),
            lead.postcode,
        )
        lines.append(";".join(fields))
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


README_LINES: tuple[str, ...] = (
    "Nordlys Solenergi ApS – marketing- og salgstal",
    "",
    "Arket 'Marketing dagligt' har én række pr. dag og kanal fra 01-11-2024 til 31-10-2026.",
    "Visninger og Klik: annoncevisninger og klik; for Nyhedsbrev sendte mails og klik i mails.",
    "Besøg: sessioner på nordlys-solenergi.dk (Google Analytics).",
    "Leads, MQL, SQL og Nye kunder tælles på den dag, det skete (fra CRM).",
    "Lead = tilbudsforespørgsel, MQL = kvalificeret forespørgsel, SQL = besigtigelse booket,",
    "ny kunde = kontrakt underskrevet.",
    "Ordrer = nye installationer + service- og tilkøbsordrer fra eksisterende kunder.",
    "Omsætning = kontraktværdi + serviceordrer i kr. ekskl. moms, på ordredatoen.",
    "Tomme felter = ikke relevant for kanalen (fx ingen annonceudgift på organisk søgning).",
    "Arket 'Budget 2026' er årets budget pr. måned.",
    "",
    "Eksempeldata: fiktiv virksomhed, genereret af sample_data/generate.py i KPI Kompas.",
)


def write_workbook(
    path: Path,
    rows: list[DayRow],
    counts: dict[tuple[date, str], Counts],
    budget: list[tuple[str, list[float]]],
) -> None:
    """Write the marketing workbook: notes, the daily sheet with a total row, the budget."""
    # strings_to_formulas=False: campaign names are data, never formulas.
    # in_memory: zip entries get a fixed timestamp and no file mode from the umask.
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "in_memory": True})
    # A fixed created date keeps docProps/core.xml, and so the file, identical.
    workbook.set_properties(
        {
            "title": "Marketing pr. dag og kanal",
            "author": "Nordlys Solenergi ApS",
            "company": "Nordlys Solenergi ApS",
            "created": datetime(2026, 11, 23, 8, 30, 0),
        }
    )
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#FFF2CC"})
    date_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    int_fmt = workbook.add_format({"num_format": "#,##0"})
    money_fmt = workbook.add_format({"num_format": "#,##0.00"})
    total_int = workbook.add_format({"num_format": "#,##0", "bold": True, "top": 1})
    total_money = workbook.add_format({"num_format": "#,##0.00", "bold": True, "top": 1})
    total_label = workbook.add_format({"bold": True, "top": 1})

    notes = workbook.add_worksheet("Læs mig")
    notes.set_column(0, 0, 95)
    for i, line in enumerate(README_LINES):
        notes.write_string(i, 0, line, title if i == 0 else None)

    sheet = workbook.add_worksheet("Marketing dagligt")
    sheet.write_string(0, 0, "Nordlys Solenergi ApS – marketing pr. dag og kanal", title)
    sheet.write_string(
        1, 0, "Kilde: Google Ads, Meta, Klaviyo, Google Analytics og CRM. Beløb i kr. ekskl. moms."
    )
    header_row = 3  # 0-based: two title rows and a blank row above the header
    for col, name in enumerate(HEADERS):
        sheet.write_string(header_row, col, name, header)
    sheet.set_column(0, 0, 11)
    sheet.set_column(1, 1, 17)
    sheet.set_column(2, 2, 27)
    sheet.set_column(3, 10, 11)
    sheet.set_column(11, 12, 18)
    sheet.freeze_panes(header_row + 1, 0)

    totals = [0.0] * len(HEADERS)
    r = header_row
    for row in rows:
        if row.day < START:
            continue
        r += 1
        c = counts.get((row.day, row.channel), Counts())
        sheet.write_datetime(r, 0, datetime(row.day.year, row.day.month, row.day.day), date_fmt)
        sheet.write_string(r, 1, row.channel)
        if row.campaign:
            sheet.write_string(r, 2, row.campaign)
        values: tuple[int | float | None, ...] = (
            row.impressions,
            row.clicks,
            row.sessions,
            c.leads,
            c.mqls,
            c.sqls,
            c.customers,
            c.orders,
            float(c.revenue),
            row.spend,
        )
        for offset, value in enumerate(values):
            col = 3 + offset
            if value is None:
                continue  # blank: not applicable to this channel
            sheet.write_number(r, col, value, money_fmt if col >= 11 else int_fmt)
            totals[col] += value

    total_row = r + 1
    first, last = header_row + 2, total_row  # 1-based rows of the data
    sheet.write_string(total_row, 0, "I alt", total_label)
    sheet.write_blank(total_row, 1, None, total_label)
    sheet.write_blank(total_row, 2, None, total_label)
    for col in range(3, len(HEADERS)):
        letter = xlsxwriter.utility.xl_col_to_name(col)
        cached = round(totals[col], 2) if col >= 11 else int(totals[col])
        sheet.write_formula(
            total_row,
            col,
            f"=SUM({letter}{first}:{letter}{last})",
            total_money if col >= 11 else total_int,
            cached,
        )

    plan = workbook.add_worksheet("Budget 2026")
    plan.write_string(0, 0, "Nøgletal", header)
    for m, name in enumerate(DANISH_MONTHS):
        plan.write_string(0, m + 1, f"{name} 2026", header)
    plan.set_column(0, 0, 16)
    plan.set_column(1, 12, 12)
    for i, (metric, values) in enumerate(budget, start=1):
        plan.write_string(i, 0, metric, bold)
        fmt = int_fmt
        for m, value in enumerate(values):
            plan.write_number(i, m + 1, value, fmt)
    workbook.close()


def make_budget(counts: dict[tuple[date, str], Counts]) -> list[tuple[str, list[float]]]:
    """The 2026 budget the firm set: 2025's totals plus 15 %, spread by season.

    A real budget is smooth, so 2025's yearly totals are spread over the months
    by the seasonal curve (shifted a month for revenue and customers, which
    follow the leads) rather than copying each month's noise.
    """
    totals = {"revenue": 0.0, "customers": 0.0, "leads": 0.0}
    for (day, _channel), c in counts.items():
        if day.year == 2025:
            totals["revenue"] += c.revenue
            totals["customers"] += c.customers
            totals["leads"] += c.leads

    def spread(total: float, lag_days: int) -> list[float]:
        weights = [
            season(date(2026, m, 15) - timedelta(days=lag_days))
            * calendar.monthrange(2026, m)[1]
            * (0.8 if m == 12 and lag_days == 0 else 1.0)  # Christmas
            for m in range(1, 13)
        ]
        return [total * 1.15 * w / sum(weights) for w in weights]

    spend = [
        monthly_ad_budget(GOOGLE, 2026, m) + monthly_ad_budget(META, 2026, m) for m in range(1, 13)
    ]
    return [
        ("Omsætning", [round(v, -4) for v in spread(totals["revenue"], 30)]),
        ("Nye kunder", [float(round(v)) for v in spread(totals["customers"], 30)]),
        ("Leads", [round(v / 5) * 5.0 for v in spread(totals["leads"], 0)]),
        ("Annonceudgift", [round(v, -3) for v in spend]),
    ]


# ---------------------------------------------------------------------------
# Customers: the order export and the satisfaction surveys
# ---------------------------------------------------------------------------

#: A separate seed, so the customer files can change without touching the
#: marketing workbook and the CRM export (which use ``SEED``).
CUSTOMER_SEED = 20261031
ORDER_HEADERS: tuple[str, ...] = (
    "Kunde-ID",
    "Kundenavn",
    "Ordredato",
    "Beløb (kr.)",
    "Kanal",
    "Sidste kontakt",
)
#: A service check is offered once a year, so not before this many days after
#: the installation or the previous check.
SERVICE_CHECK_DAYS = 300
#: An add-on (charger, battery, panels) follows the installation by at least this.
ADD_ON_DAYS = 30
#: Share of customers whose last contact was never logged in the CRM.
NO_CONTACT_SHARE = 0.02
#: Share of new customers who answer the NPS survey sent after installation.
NPS_RESPONSE = 0.34
#: Contracts signed in these months were installed in the summer 2026 backlog
#: (waits of two to three months): their NPS answers are clearly lower.
BACKLOG = (date(2026, 4, 1), date(2026, 7, 31))
#: Support tickets a day per installed customer (weekdays; weekends a fifth).
TICKET_RATE = 0.00075
#: How much slower the first reply is in busy months (year, month).
BUSY_SUMMER: dict[tuple[int, int], float] = {
    (2025, 6): 1.4, (2025, 7): 1.4, (2025, 8): 1.4, (2026, 6): 3.5, (2026, 7): 3.5, (2026, 8): 3.5,
}  # fmt: skip
#: Share of answered tickets whose customer answers the CSAT question.
CSAT_RESPONSE = 0.50

FIRST_NAMES: tuple[str, ...] = (
    "Anne", "Mette", "Hanne", "Susanne", "Lene", "Camilla", "Louise", "Marianne", "Pia",
    "Helle", "Kirsten", "Tina", "Charlotte", "Maria", "Line", "Sofie", "Karina", "Birgitte",
    "Rikke", "Trine", "Peter", "Lars", "Jens", "Michael", "Henrik", "Søren", "Thomas",
    "Jesper", "Niels", "Martin", "Rasmus", "Anders", "Morten", "Christian", "Kim", "Jan",
    "Brian", "Mads", "Jakob", "Kasper", "Torben", "Bo", "Ole", "Per", "Steen", "Flemming",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
    "Thomsen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Frederiksen", "Laursen", "Holm", "Lund", "Skov", "Dalgaard", "Bækgaard",
    "Kjær", "Vestergaard", "Overgaard", "Damgaard", "Lauridsen", "Bach", "Krogh", "Nørgaard",
    "Østergaard", "Fogh", "Brandt", "Juhl", "Kirkegaard", "Søndergaard", "Munk", "Borup",
)  # fmt: skip


@dataclass
class Customer:
    """A customer won through the CRM: Kunde-ID is the lead's id."""

    customer_id: str
    name: str
    channel: str
    first_order: date
    orders: list[tuple[date, str, int]]  # (day, channel, kr.), the first one included
    last_contact: date | None = None


def pick(rng: Rng, items: Sequence[str]) -> str:
    """One item, uniformly."""
    return items[min(len(items) - 1, int(rng.uniform() * len(items)))]


def customer_name(rng: Rng) -> str:
    """An invented Danish-looking household name; some are couples."""
    last = pick(rng, LAST_NAMES)
    first = pick(rng, FIRST_NAMES)
    if rng.bernoulli(0.12):
        other = pick(rng, FIRST_NAMES)
        if other != first:
            return f"{first} og {other} {last}"
    return f"{first} {last}"


def won_customers(rng: Rng, leads: list[Lead]) -> list[Customer]:
    """Every won lead becomes a customer whose first order is the signed contract."""
    customers = []
    for lead in sorted(leads, key=lambda x: (x.won or END, x.lead_id)):
        if lead.won is None or lead.value is None:
            continue
        customers.append(
            Customer(
                customer_id=f"{lead.lead_id:06d}",
                name=customer_name(rng),
                channel=lead.channel,
                first_order=lead.won,
                orders=[(lead.won, lead.channel, lead.value)],
            )
        )
    return customers


def assign_service_orders(
    rng: Rng, customers: list[Customer], service: list[tuple[date, str, int]]
) -> None:
    """Give the marketing sheet's service orders to the customers who placed them.

    Each service order goes to a customer drawn uniformly from the whole base on
    its day: the customers installed before the CRM (``INSTALLED_BASE``, not in
    the order export) and the CRM customers won before that day. A service check
    needs ``SERVICE_CHECK_DAYS`` since the installation or the last check, an
    add-on ``ADD_ON_DAYS``; an order that lands on a customer not ready for it
    goes to the older base instead. So the order export holds a subset of the
    sheet's service orders, on the same day, in the same channel, for the same
    amount.
    """
    by_day = sorted(customers, key=lambda c: (c.first_order, c.customer_id))
    known = 0  # customers won before the current day
    last_check: dict[str, date] = {}
    for day, channel, value in service:
        while known < len(by_day) and by_day[known].first_order < day:
            known += 1
        slot = int(rng.uniform() * (INSTALLED_BASE + known))
        if slot < INSTALLED_BASE:
            continue
        customer = by_day[slot - INSTALLED_BASE]
        age = (day - customer.first_order).days
        if value == round(SERVICE_KINDS[0][2]):  # a service check
            since = (day - last_check.get(customer.customer_id, customer.first_order)).days
            if since < SERVICE_CHECK_DAYS:
                continue
            last_check[customer.customer_id] = day
        elif age < ADD_ON_DAYS:
            continue
        customer.orders.append((day, channel, value))


def working_day(day: date) -> date:
    """The first weekday on or after ``day`` that is not a Christmas or New Year holiday."""
    while day.weekday() >= 5 or (day.month, day.day) in ((12, 24), (12, 25), (12, 26), (1, 1)):
        day += timedelta(days=1)
    return day


def contact_after(rng: Rng, day: date, median_days: float) -> date:
    """A call or a meeting some days after ``day``, on a working day."""
    return working_day(day + timedelta(days=max(1, round(rng.lognormal(median_days, 0.5)))))


def last_contacts(rng: Rng, customers: list[Customer]) -> None:
    """The CRM's "last contact" of each customer, as of ``END``.

    Every order is a contact. After the installation most customers get a
    follow-up call; after an add-on some do; a third get a yearly check-in
    call; and now and then a customer calls with a question.
    """
    for customer in customers:
        contacts = [day for day, _, _ in customer.orders]
        if rng.bernoulli(0.85):
            contacts.append(contact_after(rng, customer.first_order, 35.0))
        for day, _, _ in customer.orders[1:]:
            if rng.bernoulli(0.5):
                contacts.append(contact_after(rng, day, 10.0))
        if rng.bernoulli(0.35):
            contacts.append(contact_after(rng, customer.first_order, 365.0))
        years = (END - customer.first_order).days / 365.25
        for _ in range(rng.poisson(0.4 * years)):
            offset = int(rng.uniform() * ((END - customer.first_order).days + 1))
            contacts.append(working_day(customer.first_order + timedelta(days=offset)))
        seen = [day for day in contacts if day <= END]
        customer.last_contact = None if rng.bernoulli(NO_CONTACT_SHARE) else max(seen)


def write_orders(path: Path, customers: list[Customer]) -> None:
    """Write the order export as Excel's "CSV UTF-8" does: BOM, ``;``, CRLF."""
    rows = sorted(
        (day, customer.customer_id, channel, value, customer)
        for customer in customers
        for day, channel, value in customer.orders
    )
    lines = [";".join(ORDER_HEADERS)]
    for day, customer_id, channel, value, customer in rows:
        fields = (
            customer_id,
            customer.name,
            dk_date(day),
            dk_money(value),
            channel,
            dk_date(customer.last_contact),
        )
        lines.append(";".join(fields))
    write_excel_csv(path, lines)


def write_excel_csv(path: Path, lines: list[str]) -> None:
    """UTF-8 with BOM and CRLF line ends, as Excel's "CSV UTF-8" writes it."""
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def nps_answers(rng: Rng, customers: list[Customer]) -> list[tuple[date, str, int]]:
    """NPS answers (day, Kunde-ID, 0–10) to the survey sent after installation.

    The survey goes out about six weeks after the contract (when the panels are
    up); a third answer within days. Referred customers are a little happier;
    customers installed in the summer 2026 backlog (``BACKLOG``) clearly less so.
    """
    answers = []
    for customer in sorted(customers, key=lambda c: (c.first_order, c.customer_id)):
        if not rng.bernoulli(NPS_RESPONSE):
            continue
        day = customer.first_order + timedelta(days=round(42 + rng.lognormal(4.0, 0.8)))
        mood = rng.normal(8.6, 1.5)
        if customer.channel == REFERRAL:
            mood += 0.4
        if BACKLOG[0] <= customer.first_order <= BACKLOG[1]:
            mood -= 1.4
        if START <= day <= END:
            answers.append((day, customer.customer_id, min(10, max(0, round(mood)))))
    return sorted(answers)


def add_working_minutes(start: datetime, minutes: float) -> datetime:
    """``start`` plus ``minutes`` of support opening hours (weekdays 08:00–16:00)."""
    now = start
    left = minutes
    while True:
        opens = now.replace(hour=8, minute=0)
        closes = now.replace(hour=16, minute=0)
        if now.weekday() >= 5 or now >= closes:
            now = datetime.combine(now.date() + timedelta(days=1), datetime.min.time()).replace(
                hour=8
            )
            continue
        now = max(now, opens)
        available = (closes - now).total_seconds() / 60.0
        if left <= available:
            return now + timedelta(minutes=left)
        left -= available
        now = closes


def support_tickets(
    rng: Rng, customers: list[Customer]
) -> list[tuple[int, datetime, datetime | None]]:
    """Support tickets (number, created, first reply) from the installed base.

    Customers write at any hour, mostly in the daytime; the team answers in
    opening hours. The first reply takes a median of under two working hours,
    but much longer in the busy summer months (``BUSY_SUMMER``), above all in
    2026, when the same people install the backlog. Tickets still unanswered
    at the end of the export have no reply time.
    """
    won_per_day: dict[date, int] = defaultdict(int)
    for customer in customers:
        won_per_day[customer.first_order] += 1
    hours = [(str(h), w) for h, w in enumerate(
        (0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 7, 6, 7, 7, 6, 5, 4, 4, 5, 5, 4, 2, 1)
    )]  # fmt: skip
    tickets: list[tuple[int, datetime, datetime | None]] = []
    number = 10_001
    base = INSTALLED_BASE
    for day in days_between(CRM_START, END):
        weekday = 1.0 if day.weekday() < 5 else 0.2
        if day >= START:
            for _ in range(rng.poisson(base * TICKET_RATE * weekday)):
                hour = int(rng.weighted(hours))
                created = datetime(day.year, day.month, day.day, hour, int(rng.uniform() * 60))
                busy = BUSY_SUMMER.get((day.year, day.month), 1.0)
                reply = add_working_minutes(created, rng.lognormal(100.0, 0.9) * busy)
                tickets.append((number, created, reply if reply.date() <= END else None))
                number += 1
        base += won_per_day.get(day, 0)
    return tickets


def csat_answers(
    rng: Rng, tickets: list[tuple[int, datetime, datetime | None]]
) -> list[tuple[date, int]]:
    """CSAT answers (day, 1–5) to the question sent when a ticket is answered.

    A quick first reply makes a satisfied customer: the score falls with the
    working hours waited.
    """
    answers = []
    for _, created, reply in tickets:
        if reply is None or not rng.bernoulli(CSAT_RESPONSE):
            continue
        waited = (reply - created).total_seconds() / 3600.0
        mood = rng.normal(4.6 - 0.3 * math.log2(1.0 + waited / 8.0), 0.7)
        day = reply.date() + timedelta(days=int(rng.uniform() * 3))
        if day <= END:
            answers.append((day, min(5, max(1, round(mood)))))
    return sorted(answers)


def dk_time(moment: datetime | None) -> str:
    """``dd-mm-yyyy HH:MM``, or an empty cell."""
    return "" if moment is None else moment.strftime("%d-%m-%Y %H:%M")


def generate_customers(
    out_dir: Path, leads: list[Lead], service: list[tuple[date, str, int]]
) -> dict[str, Path]:
    """Write the order export and the three satisfaction files.

    Built from the same leads and service orders as the marketing workbook and
    the CRM export, with its own seed (``CUSTOMER_SEED``), so those two files
    stay byte for byte as they were.
    """
    rng = Rng(CUSTOMER_SEED)
    customers = won_customers(rng, leads)
    assign_service_orders(rng, customers, service)
    last_contacts(rng, customers)
    nps = nps_answers(rng, customers)
    tickets = support_tickets(rng, customers)
    csat = csat_answers(rng, tickets)
    paths = {
        "orders": out_dir / "ordrer.csv",
        "nps": out_dir / "nps_svar.csv",
        "csat": out_dir / "csat_svar.csv",
        "support": out_dir / "supportsager.csv",
    }
    write_orders(paths["orders"], customers)
    write_excel_csv(
        paths["nps"],
        ["Dato;Kunde-ID;Score", *(f"{dk_date(d)};{c};{s}" for d, c, s in nps)],
    )
    write_excel_csv(paths["csat"], ["Dato;Score", *(f"{dk_date(d)};{s}" for d, s in csat)])
    write_excel_csv(
        paths["support"],
        ["Sag;Oprettet;Første svar", *(f"{n};{dk_time(c)};{dk_time(r)}" for n, c, r in tickets)],
    )
    return paths


def generate(out_dir: Path) -> dict[str, Path]:
    """Write the sample files into ``out_dir`` and return their paths by name.

    Parameters
    ----------
    out_dir
        Target folder; created if missing. Existing files are overwritten.

    Returns
    -------
    dict[str, Path]
        ``{"marketing": ..., "crm": ..., "orders": ..., "nps": ..., "csat": ...,
        "support": ...}``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = Rng(SEED)
    rows, expected = simulate_traffic(rng)
    leads = simulate_leads(rng, expected)
    service = simulate_service_orders(rng, leads)
    counts = count_events(leads, service)
    paths = {
        "marketing": out_dir / "nordlys_marketing.xlsx",
        "crm": out_dir / "crm_leads.csv",
    }
    write_workbook(paths["marketing"], rows, counts, make_budget(counts))
    write_csv(paths["crm"], leads)
    paths.update(generate_customers(out_dir, leads, service))
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python sample_data/generate.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder to write into (default: sample_data/ beside this script)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.out).values():
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
