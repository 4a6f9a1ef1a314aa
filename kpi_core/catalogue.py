"""The KPI catalogue: one registry of frozen KPI definitions.

Every KPI is either the sum of one canonical field over the period, or a
ratio of two such sums (``scale × Σnumerator / Σdenominator``). Ratios are
never means of daily ratios: a day with 10 visits must not weigh as much as
a day with 10,000.

>>> KPIS["ctr"].formula
'Σ clicks / Σ impressions'
>>> [k.id for k in kpis_for_fields({"sessions", "leads"})]
['sessions', 'leads', 'traffic_to_lead']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kpi_core.fields import FIELDS_BY_ID
from kpi_core.i18n import t

Stage = Literal["Awareness", "Engagement", "Conversion", "Retention"]
Unit = Literal["count", "currency", "percent", "multiple"]
Direction = Literal["higher", "lower", "neutral"]
Role = Literal["leading", "lagging"]

STAGES: tuple[Stage, ...] = ("Awareness", "Engagement", "Conversion", "Retention")


@dataclass(frozen=True)
class Kpi:
    """One KPI definition.

    Attributes
    ----------
    id
        Stable identifier used by the command line and saved workspaces.
    name, description
        English texts (translations live in the language catalogues).
    numerator, denominator
        Canonical field ids. ``denominator=None`` means the KPI is the plain
        sum of ``numerator``.
    scale
        Multiplier applied to the ratio (1000 for cost per mille).
    unit
        ``"count"``, ``"currency"``, ``"percent"`` (a share in [0, 1],
        shown as %, changes in percentage points) or ``"multiple"`` (e.g.
        ROAS 4.2×).
    direction
        Which way is better; ``"neutral"`` for inputs such as spend.
    stage
        Where in the customer journey the KPI sits.
    role
        ``"leading"`` (an activity that predicts) or ``"lagging"`` (a result).
    nature
        ``"quantitative"`` or ``"qualitative"``.
    """

    id: str
    name: str
    description: str
    numerator: str
    denominator: str | None
    unit: Unit
    direction: Direction
    stage: Stage
    role: Role
    scale: float = 1.0
    nature: Literal["quantitative", "qualitative"] = "quantitative"

    def label(self, locale: str = "en") -> str:
        """The KPI's name in ``locale`` (``Omsætning`` for revenue in Danish)."""
        return t(f"kpi.{self.id}.name", locale=locale)

    def about(self, locale: str = "en") -> str:
        """The KPI's description in ``locale``."""
        return t(f"kpi.{self.id}.description", locale=locale)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def is_rate(self) -> bool:
        """A share in [0, 1]; its changes are read in percentage points."""
        return self.unit == "percent"

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)

    @property
    def formula(self) -> str:
        if self.denominator is None:
            return f"Σ {self.numerator}"
        scale = "" if self.scale == 1 else f"{self.scale:g} × "
        return f"{scale}Σ {self.numerator} / Σ {self.denominator}"


def _count(
    field_id: str, stage: Stage, role: Role, description: str, direction: Direction = "higher"
) -> Kpi:
    f = FIELDS_BY_ID[field_id]
    unit: Unit = "currency" if f.kind == "money" else "count"
    return Kpi(field_id, f.label, description, field_id, None, unit, direction, stage, role)


# Order matters: it is the order of the scorecard within a stage.
_KPIS: tuple[Kpi, ...] = (
    # Awareness: are the right people seeing us, and at what price?
    _count("impressions", "Awareness", "leading", "How many times the ads or posts were shown."),
    _count("clicks", "Awareness", "leading", "Clicks on ads, posts and e-mails."),
    Kpi("ctr", "Click-through rate", "Share of impressions that became a click.",
        "clicks", "impressions", "percent", "higher", "Awareness", "leading"),
    Kpi("cpm", "Cost per 1,000 impressions", "What it costs to be shown 1,000 times.",
        "spend", "impressions", "currency", "lower", "Awareness", "leading", scale=1000.0),
    Kpi("cpc", "Cost per click", "Ad spend divided by clicks.",
        "spend", "clicks", "currency", "lower", "Awareness", "leading"),
    _count("spend", "Awareness", "leading",
           "Money spent on advertising. Neither good nor bad alone: read it with what it buys.",
           direction="neutral"),
    # Engagement: do visitors become people we can talk to?
    _count("sessions", "Engagement", "leading", "Visits to the website."),
    _count("leads", "Engagement", "leading",
           "People who asked for something: a quote, a call, a newsletter sign-up."),
    Kpi("traffic_to_lead", "Traffic to lead (TTL)", "Share of visits that became a lead.",
        "leads", "sessions", "percent", "higher", "Engagement", "leading"),
    Kpi("cpl", "Cost per lead", "Ad spend divided by leads.",
        "spend", "leads", "currency", "lower", "Engagement", "leading"),
    _count("mqls", "Engagement", "leading", "Leads that marketing judged worth passing to sales."),
    Kpi("lead_to_mql", "Lead to MQL", "Share of leads that became marketing qualified.",
        "mqls", "leads", "percent", "higher", "Engagement", "leading"),
    # Conversion: do the right leads become paying customers?
    _count("sqls", "Conversion", "leading", "Leads that sales accepted as real opportunities."),
    Kpi("mql_to_sql", "MQL to SQL", "Share of marketing qualified leads that sales accepted.",
        "sqls", "mqls", "percent", "higher", "Conversion", "leading"),
    Kpi("sql_to_customer", "SQL to customer", "Share of sales opportunities that were won.",
        "customers", "sqls", "percent", "higher", "Conversion", "leading"),
    Kpi("lead_to_customer", "Lead to customer (LTC)", "Share of leads that became customers.",
        "customers", "leads", "percent", "higher", "Conversion", "leading"),
    Kpi("conversion_rate", "Conversion rate", "Share of visits that ended in an order.",
        "orders", "sessions", "percent", "higher", "Conversion", "leading"),
    _count("customers", "Conversion", "lagging", "New customers won."),
    _count("orders", "Conversion", "lagging", "Orders placed, by new and existing customers."),
    _count("revenue", "Conversion", "lagging", "Money earned from orders."),
    Kpi("aov", "Average order value", "Revenue divided by orders.",
        "revenue", "orders", "currency", "higher", "Conversion", "lagging"),
    Kpi("cac", "Customer acquisition cost", "Ad spend divided by new customers.",
        "spend", "customers", "currency", "lower", "Conversion", "lagging"),
    Kpi("roas", "Return on ad spend", "Revenue per krone of ad spend.",
        "revenue", "spend", "multiple", "higher", "Conversion", "lagging"),
)  # fmt: skip

KPIS: dict[str, Kpi] = {k.id: k for k in _KPIS}


def stage_name(stage: str, *, locale: str = "en") -> str:
    """A journey stage in ``locale``: ``Kendskab`` for Awareness in Danish."""
    return t(f"stage.{stage}", locale=locale)


def kpi(kpi_id: str) -> Kpi:
    """Return KPI ``kpi_id``; ``KeyError`` lists the valid ids."""
    try:
        return KPIS[kpi_id]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi_id!r}; valid KPIs: {', '.join(KPIS)}") from None


def kpis_for_fields(fields: Iterable[str]) -> list[Kpi]:
    """The KPIs that can be computed from the given canonical fields, in catalogue order."""
    present = set(fields)
    return [k for k in _KPIS if set(k.fields) <= present]


def by_stage(kpis: Iterable[Kpi]) -> dict[Stage, list[Kpi]]:
    """Group KPIs by journey stage, stages in journey order, empty stages left out."""
    kpis = list(kpis)
    return {s: [k for k in kpis if k.stage == s] for s in STAGES if any(k.stage == s for k in kpis)}


#: Few KPIs per stage beat many: the default selection pairs leading and lagging ones.
RECOMMENDED: dict[Stage, tuple[str, ...]] = {
    "Awareness": ("impressions", "ctr", "cpc"),
    "Engagement": ("sessions", "leads", "traffic_to_lead", "cpl"),
    "Conversion": ("customers", "lead_to_customer", "revenue", "cac"),
}

#: Past about a dozen KPIs a scorecard stops being read.
SELECTION_SOFT_LIMIT = 12


def recommended(fields: Iterable[str]) -> list[str]:
    """The recommended KPI ids (3–4 per stage) that the given fields support.

    Where a recommended KPI cannot be computed, the next computable KPI of the
    same stage takes its place, so a file without ad data still gets a set.
    """
    available = kpis_for_fields(fields)
    chosen: list[str] = []
    for stage, ids in RECOMMENDED.items():
        in_stage = [k.id for k in available if k.stage == stage]
        picked = [i for i in ids if i in in_stage]
        for extra in in_stage:
            if len(picked) >= min(len(ids), 4):
                break
            if extra not in picked:
                picked.append(extra)
        chosen.extend(i for i in in_stage if i in picked)
    return chosen
