"""Canonical fields: the fixed vocabulary every mapped dataset is expressed in.

The ids are a contract (command line, saved workspaces, KPI formulas): never
rename one. Names in other languages are only used to *suggest* a mapping;
see :mod:`kpi_core.mapping`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kpi_core.i18n import t

FieldKind = Literal["date", "dimension", "count", "money"]


@dataclass(frozen=True)
class Field:
    """One canonical field.

    Attributes
    ----------
    id
        Stable identifier (``"sessions"``).
    kind
        ``"date"`` (one per dataset), ``"dimension"`` (text to group by),
        ``"count"`` (summable whole numbers) or ``"money"`` (summable amounts).
    label
        English display name.
    synonyms
        Header texts seen in real exports, in English, Danish, Norwegian
        and Swedish, lower-case and without units. Used for suggestions.
    """

    id: str
    kind: FieldKind
    label: str
    synonyms: tuple[str, ...]

    def name(self, locale: str = "en") -> str:
        """The field's display name in ``locale`` (``Besøg`` for sessions in Danish)."""
        return t(f"field.{self.id}", locale=locale)


# fmt: off
FIELDS: tuple[Field, ...] = (
    Field(
        "date",
        "date",
        "Date",
        (
            "date", "day", "month", "period", "week", "dato", "datum", "dag", "måned",
            "maaned", "måned/år", "månad", "uke", "uge", "vecka", "periode", "tid",
            "reporting starts", "day of week start", "created", "created date", "create date",
            "oprettet", "oprettelsesdato", "opprettet", "opprettelsesdato", "skapad", "skapat",
            "skapad datum", "registreret", "registrert", "registrerad",
        ),
    ),
    Field(
        "channel",
        "dimension",
        "Channel",
        (
            "channel", "source", "medium", "source / medium", "kanal", "kilde", "källa",
            "kalla", "trafikkilde", "trafikkälla", "markedsføringskanal", "platform",
            "platform name", "lead source", "leadkilde",
        ),
    ),
    Field(
        "campaign",
        "dimension",
        "Campaign",
        ("campaign", "campaign name", "kampagne", "kampanje", "kampanj", "kampagnenavn",
         "kampanjnamn", "kampanjenavn", "ad set", "annoncesæt"),
    ),
    Field(
        "impressions",
        "count",
        "Impressions",
        ("impressions", "impr", "impr.", "views", "visninger", "visningar", "eksponeringer",
         "exponeringar", "annoncevisninger", "reach"),
    ),
    Field(
        "clicks",
        "count",
        "Clicks",
        ("clicks", "link clicks", "klik", "klikk", "klick", "antal klik", "antall klikk",
         "antal klick", "kliks"),
    ),
    Field(
        "sessions",
        "count",
        "Sessions",
        ("sessions", "visits", "visitors", "users", "traffic", "besøg", "besøk", "besök",
         "besøgende", "besøkende", "besökare", "sessioner", "økter", "økter på nettstedet",
         "trafik", "trafikk", "sidevisninger", "website visits"),
    ),
    Field(
        "leads",
        "count",
        "Leads",
        ("leads", "lead", "henvendelser", "forespørgsler", "forespørsler", "förfrågningar",
         "kundeemner", "emner", "signups", "sign-ups", "tilmeldinger", "påmeldinger",
         "registreringar", "contacts", "kontakter", "total conversion", "conversions",
         "konverteringer", "konverteringar"),
    ),
    Field(
        "mqls",
        "count",
        "MQLs",
        ("mqls", "mql", "marketing qualified leads", "marketing qualified", "kvalificerede leads",
         "markedsføringskvalificerede leads", "markedskvalifiserte leads",
         "marknadskvalificerade leads"),
    ),
    Field(
        "sqls",
        "count",
        "SQLs",
        ("sqls", "sql", "sales qualified leads", "sales qualified", "salgskvalificerede leads",
         "salgskvalifiserte leads", "säljkvalificerade leads", "opportunities", "muligheder",
         "muligheter", "affärsmöjligheter", "tilbud", "offers", "quotes", "offerter"),
    ),
    Field(
        "customers",
        "count",
        "New customers",
        ("customers", "new customers", "won", "deals won", "closed won", "nye kunder",
         "kunder", "nya kunder", "vundne", "vunne", "vunna", "approved conversion",
         "purchasers", "købere", "kjøpere", "köpare"),
    ),
    Field(
        "orders",
        "count",
        "Orders",
        ("orders", "purchases", "transactions", "ordrer", "ordre", "ordrar", "order",
         "beställningar", "bestillinger", "køb", "kjøp", "köp", "salg antal", "antal ordrer"),
    ),
    Field(
        "revenue",
        "money",
        "Revenue",
        ("revenue", "sales", "turnover", "income", "omsætning", "omsaetning", "omsetning",
         "omsättning", "intäkter", "intäkt", "inntekter", "inntekt", "indtægter", "salg",
         "försäljning", "salgsværdi", "ordreværdi", "purchase value", "conversion value",
         "total revenue"),
    ),
    Field(
        "spend",
        "money",
        "Spend",
        ("spend", "spent", "cost", "costs", "ad spend", "amount spent", "budget spent",
         "annonceudgift", "annonceudgifter", "annoncekroner", "udgift", "udgifter", "kostnad",
         "kostnader", "omkostninger", "kostnader annonser", "annonskostnad", "annonsekostnad",
         "forbrug", "forbruk", "media spend", "marketing cost", "markedsføringsomkostninger"),
    ),
)
# fmt: on

FIELDS_BY_ID: dict[str, Field] = {f.id: f for f in FIELDS}

#: The summable fields in customer-journey order (Awareness to Conversion).
FUNNEL_ORDER: tuple[str, ...] = (
    "impressions",
    "clicks",
    "sessions",
    "leads",
    "mqls",
    "sqls",
    "customers",
)

MEASURE_FIELDS: tuple[str, ...] = tuple(f.id for f in FIELDS if f.kind in ("count", "money"))
DIMENSION_FIELDS: tuple[str, ...] = tuple(f.id for f in FIELDS if f.kind == "dimension")


def field(field_id: str) -> Field:
    """Return the canonical field ``field_id``; ``KeyError`` names the valid ids."""
    try:
        return FIELDS_BY_ID[field_id]
    except KeyError:
        valid = ", ".join(FIELDS_BY_ID)
        raise KeyError(f"unknown field {field_id!r}; valid fields: {valid}") from None
