"""The KPI catalogue: the registry is complete, consistent, and recommends few KPIs."""

from __future__ import annotations

import pytest

from kpi_core.catalogue import (
    KPIS,
    RECOMMENDED,
    SELECTION_SOFT_LIMIT,
    STAGES,
    by_stage,
    kpi,
    kpis_for_fields,
    recommended,
)
from kpi_core.fields import FIELDS_BY_ID, FUNNEL_ORDER, MEASURE_FIELDS

#: The KPIs the product spec names, beside one plain-sum KPI per measure field.
SPEC_RATIOS = (
    "ctr",
    "cpc",
    "cpm",
    "traffic_to_lead",
    "lead_to_mql",
    "mql_to_sql",
    "sql_to_customer",
    "lead_to_customer",
    "conversion_rate",
    "cpl",
    "cac",
    "roas",
    "aov",
)

ALL_FIELDS = set(MEASURE_FIELDS)


# --- the registry -----------------------------------------------------------------------


@pytest.mark.parametrize("kpi_id", SPEC_RATIOS)
def test_every_ratio_named_in_the_spec_exists_and_is_a_ratio(kpi_id: str) -> None:
    assert kpi_id in KPIS
    assert KPIS[kpi_id].is_ratio


@pytest.mark.parametrize("field_id", MEASURE_FIELDS)
def test_every_count_and_money_field_is_a_plain_sum_kpi(field_id: str) -> None:
    k = KPIS[field_id]
    assert not k.is_ratio
    assert k.fields == (field_id,)
    expected_unit = "currency" if FIELDS_BY_ID[field_id].kind == "money" else "count"
    assert k.unit == expected_unit


def test_the_catalogue_holds_exactly_the_spec_kpis() -> None:
    # 13 ratios + 10 measure sums = 23; an extra or missing KPI is a contract change.
    assert set(KPIS) == set(SPEC_RATIOS) | set(MEASURE_FIELDS)
    assert len(KPIS) == 23


@pytest.mark.parametrize("k", KPIS.values(), ids=list(KPIS))
def test_kpi_definition_is_valid(k) -> None:
    assert k.id == KPIS[k.id].id
    assert all(f in FIELDS_BY_ID for f in k.fields), k.fields
    # Only summable fields can appear in a formula, never a date or a dimension.
    assert all(FIELDS_BY_ID[f].kind in ("count", "money") for f in k.fields)
    assert k.stage in STAGES
    assert k.role in ("leading", "lagging")
    assert k.direction in ("higher", "lower", "neutral")
    assert k.unit in ("count", "currency", "percent", "multiple")
    assert k.nature in ("quantitative", "qualitative")
    assert k.scale > 0
    assert k.name and k.description.endswith(".")
    assert k.is_rate == (k.unit == "percent")


@pytest.mark.parametrize(
    ("kpi_id", "numerator", "denominator", "unit", "direction", "stage"),
    [
        ("ctr", "clicks", "impressions", "percent", "higher", "Awareness"),
        ("cpm", "spend", "impressions", "currency", "lower", "Awareness"),
        ("cpc", "spend", "clicks", "currency", "lower", "Awareness"),
        ("traffic_to_lead", "leads", "sessions", "percent", "higher", "Engagement"),
        ("cpl", "spend", "leads", "currency", "lower", "Engagement"),
        ("lead_to_mql", "mqls", "leads", "percent", "higher", "Engagement"),
        ("mql_to_sql", "sqls", "mqls", "percent", "higher", "Conversion"),
        ("sql_to_customer", "customers", "sqls", "percent", "higher", "Conversion"),
        ("lead_to_customer", "customers", "leads", "percent", "higher", "Conversion"),
        ("conversion_rate", "orders", "sessions", "percent", "higher", "Conversion"),
        ("aov", "revenue", "orders", "currency", "higher", "Conversion"),
        ("cac", "spend", "customers", "currency", "lower", "Conversion"),
        ("roas", "revenue", "spend", "multiple", "higher", "Conversion"),
        ("spend", "spend", None, "currency", "neutral", "Awareness"),
        ("revenue", "revenue", None, "currency", "higher", "Conversion"),
        ("sessions", "sessions", None, "count", "higher", "Engagement"),
    ],
)
def test_kpi_definitions_match_the_spec(
    kpi_id: str, numerator: str, denominator: str | None, unit: str, direction: str, stage: str
) -> None:
    k = KPIS[kpi_id]
    assert (k.numerator, k.denominator, k.unit, k.direction, k.stage) == (
        numerator,
        denominator,
        unit,
        direction,
        stage,
    )


def test_only_cpm_is_scaled() -> None:
    assert {k.id: k.scale for k in KPIS.values() if k.scale != 1} == {"cpm": 1000.0}


def test_every_funnel_step_rate_reads_down_the_funnel() -> None:
    # A funnel rate divides a later stage by an earlier one, so on funnel data it is ≤ 1.
    for k in KPIS.values():
        if k.is_rate and k.numerator in FUNNEL_ORDER and k.denominator in FUNNEL_ORDER:
            assert FUNNEL_ORDER.index(k.numerator) > FUNNEL_ORDER.index(k.denominator), k.id


def test_kpi_lookup_names_valid_ids_when_unknown() -> None:
    assert kpi("ctr") is KPIS["ctr"]
    with pytest.raises(KeyError, match=r"unknown KPI 'ctrr'.*ctr, cpm"):
        kpi("ctrr")


# --- formula strings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi_id", "formula"),
    [
        ("ctr", "Σ clicks / Σ impressions"),
        ("cpm", "1000 × Σ spend / Σ impressions"),
        ("cpc", "Σ spend / Σ clicks"),
        ("traffic_to_lead", "Σ leads / Σ sessions"),
        ("lead_to_mql", "Σ mqls / Σ leads"),
        ("mql_to_sql", "Σ sqls / Σ mqls"),
        ("sql_to_customer", "Σ customers / Σ sqls"),
        ("lead_to_customer", "Σ customers / Σ leads"),
        ("conversion_rate", "Σ orders / Σ sessions"),
        ("cpl", "Σ spend / Σ leads"),
        ("cac", "Σ spend / Σ customers"),
        ("roas", "Σ revenue / Σ spend"),
        ("aov", "Σ revenue / Σ orders"),
        ("sessions", "Σ sessions"),
        ("spend", "Σ spend"),
    ],
)
def test_formula_string(kpi_id: str, formula: str) -> None:
    assert KPIS[kpi_id].formula == formula


# --- kpis_for_fields --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ((), []),
        (("date", "channel"), []),
        (("sessions",), ["sessions"]),
        (("sessions", "leads"), ["sessions", "leads", "traffic_to_lead"]),
        (("leads", "sessions"), ["sessions", "leads", "traffic_to_lead"]),  # catalogue order
        (("impressions", "clicks"), ["impressions", "clicks", "ctr"]),
        (("spend", "clicks"), ["clicks", "cpc", "spend"]),
        (
            ("orders", "revenue", "spend"),
            ["spend", "orders", "revenue", "aov", "roas"],
        ),
        (
            ("leads", "mqls", "sqls", "customers"),
            [
                "leads",
                "mqls",
                "lead_to_mql",
                "sqls",
                "mql_to_sql",
                "sql_to_customer",
                "lead_to_customer",
                "customers",
            ],
        ),
    ],
)
def test_kpis_for_fields(fields: tuple[str, ...], expected: list[str]) -> None:
    assert [k.id for k in kpis_for_fields(fields)] == expected


def test_kpis_for_all_fields_is_the_whole_catalogue_in_order() -> None:
    assert [k.id for k in kpis_for_fields(ALL_FIELDS)] == list(KPIS)


def test_kpis_for_fields_accepts_any_iterable_once() -> None:
    # A generator is consumed once; the function must not iterate it twice.
    assert [k.id for k in kpis_for_fields(f for f in ("clicks", "impressions"))] == [
        "impressions",
        "clicks",
        "ctr",
    ]


# --- by_stage ---------------------------------------------------------------------------


def test_by_stage_orders_stages_by_journey_and_drops_empty_ones() -> None:
    # Given in reverse journey order; returned in journey order, Retention left out.
    grouped = by_stage([KPIS["cac"], KPIS["sessions"], KPIS["ctr"], KPIS["revenue"]])
    assert list(grouped) == ["Awareness", "Engagement", "Conversion"]
    assert {s: [k.id for k in ks] for s, ks in grouped.items()} == {
        "Awareness": ["ctr"],
        "Engagement": ["sessions"],
        "Conversion": ["cac", "revenue"],  # order within a stage is the input order
    }


def test_by_stage_of_nothing_is_empty() -> None:
    assert by_stage([]) == {}


def test_by_stage_of_the_catalogue_covers_every_kpi_once() -> None:
    grouped = by_stage(KPIS.values())
    assert list(grouped) == ["Awareness", "Engagement", "Conversion"]
    assert sorted(k.id for ks in grouped.values() for k in ks) == sorted(KPIS)


# --- recommended ------------------------------------------------------------------------


def test_recommended_ids_are_computable_kpis_and_three_to_four_per_stage() -> None:
    for ids in RECOMMENDED.values():
        assert 3 <= len(ids) <= 4
        assert all(i in KPIS for i in ids)
    for stage, ids in RECOMMENDED.items():
        assert all(KPIS[i].stage == stage for i in ids)


def test_recommended_with_every_field_is_the_recommended_table() -> None:
    got = recommended(ALL_FIELDS)
    # Catalogue order within each stage, stages in journey order.
    assert got == [
        "impressions",
        "ctr",
        "cpc",
        "sessions",
        "leads",
        "traffic_to_lead",
        "cpl",
        "lead_to_customer",
        "customers",
        "revenue",
        "cac",
    ]
    assert len(got) <= SELECTION_SOFT_LIMIT
    grouped = by_stage(KPIS[i] for i in got)
    assert {s: len(ks) for s, ks in grouped.items()} == {
        "Awareness": 3,
        "Engagement": 4,
        "Conversion": 4,
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # No ad data: Awareness disappears, the rest keeps its recommended set.
        (
            ("sessions", "leads", "customers", "revenue"),
            ["sessions", "leads", "traffic_to_lead", "lead_to_customer", "customers", "revenue"],
        ),
        # A web shop: no leads, so Conversion falls back to orders, revenue, AOV and rate.
        (
            ("sessions", "orders", "revenue"),
            ["sessions", "conversion_rate", "orders", "revenue", "aov"],
        ),
        # Impressions and clicks only: clicks stands in for the missing CPC.
        (("impressions", "clicks"), ["impressions", "clicks", "ctr"]),
        # A CRM export: MQL/SQL fill the places of sessions-based KPIs.
        (
            ("leads", "mqls", "sqls", "customers"),
            ["leads", "mqls", "lead_to_mql", "sqls", "mql_to_sql", "lead_to_customer", "customers"],
        ),
        (("spend",), ["spend"]),
        ((), []),
    ],
)
def test_recommended_falls_back_to_computable_kpis(
    fields: tuple[str, ...], expected: list[str]
) -> None:
    got = recommended(fields)
    assert got == expected
    computable = {k.id for k in kpis_for_fields(fields)}
    assert set(got) <= computable
    for ks in by_stage(KPIS[i] for i in got).values():
        assert len(ks) <= 4


def test_recommended_never_repeats_a_kpi() -> None:
    for fields in (ALL_FIELDS, {"sessions", "leads"}, {"spend", "clicks", "customers"}):
        got = recommended(fields)
        assert len(got) == len(set(got))
