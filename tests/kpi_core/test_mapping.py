"""Column mapping: suggestions from Nordic and English headers, checks, overrides, renames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_core.fields import FIELDS, FIELDS_BY_ID
from kpi_core.issues import InputError
from kpi_core.mapping import (
    MIN_CONFIDENCE,
    apply_mapping,
    mapping_from_suggestions,
    normalise_header,
    parse_map_options,
    resolve_mapping,
    suggest_mapping,
    validate_mapping,
)

#: The column kind ingest reports for each field kind.
KIND_FOR = {"date": "date", "dimension": "text", "count": "number", "money": "number"}


def suggested(header: str, kind: str | None = None) -> str | None:
    """The field suggested for a file with this one column."""
    if kind is None:
        kind = "number"
    (s,) = suggest_mapping({header: kind})
    return s.field


# --- headers seen in real exports -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        # Dates
        ("Dato", "date", "date"),  # da / nb
        ("Datum", "date", "date"),  # sv
        ("Date", "date", "date"),
        ("DATE", "date", "date"),
        ("  dato  ", "date", "date"),
        ("Måned", "date", "date"),
        ("Week", "date", "date"),
        ("Reporting starts", "date", "date"),  # Meta Ads Manager
        # Channels and campaigns
        ("Kanal", "text", "channel"),
        ("Källa", "text", "channel"),
        ("Kilde", "text", "channel"),
        ("Source / Medium", "text", "channel"),  # GA
        ("Channel", "text", "channel"),
        ("Kanal", "id", "channel"),
        ("Kampagne", "text", "campaign"),
        ("Kampanj", "text", "campaign"),
        ("Campaign name", "text", "campaign"),
        # Awareness
        ("Visninger", "number", "impressions"),
        ("Visningar", "number", "impressions"),
        ("Impressions", "number", "impressions"),
        ("Impr.", "number", "impressions"),  # Google Ads
        ("Klik", "number", "clicks"),
        ("Klikk", "number", "clicks"),
        ("Klick", "number", "clicks"),
        ("Clicks", "number", "clicks"),
        ("Link clicks", "number", "clicks"),
        ("Antal klik", "number", "clicks"),
        # Engagement
        ("Besøg", "number", "sessions"),
        ("Besøk", "number", "sessions"),
        ("Besök", "number", "sessions"),
        ("Visits", "number", "sessions"),
        ("Sessions", "number", "sessions"),
        ("Sessioner", "number", "sessions"),
        ("Besøgende", "number", "sessions"),
        ("Leads", "number", "leads"),
        ("Leads (antal)", "number", "leads"),
        ("Henvendelser", "number", "leads"),
        ("Konverteringer", "number", "leads"),
        ("Total_Conversion", "number", "leads"),  # Facebook ad dataset
        ("MQL", "number", "mqls"),
        ("Marketing qualified leads", "number", "mqls"),
        # Conversion
        ("SQL", "number", "sqls"),
        ("Tilbud", "number", "sqls"),
        ("Nye kunder", "number", "customers"),
        ("Nya kunder", "number", "customers"),
        ("Kunder", "number", "customers"),
        ("Customers", "number", "customers"),
        ("Approved_Conversion", "number", "customers"),  # Facebook ad dataset
        ("Ordrer", "number", "orders"),
        ("Ordre", "number", "orders"),
        ("Antal ordrer", "number", "orders"),
        # Money
        ("Omsætning (kr.)", "number", "revenue"),
        ("Omsetning", "number", "revenue"),
        ("Omsättning (SEK)", "number", "revenue"),
        ("Intäkter", "number", "revenue"),
        ("Revenue [DKK]", "number", "revenue"),
        ("Total revenue", "number", "revenue"),
        ("Omsætning i alt", "number", "revenue"),
        ("Ordreværdi", "number", "revenue"),
        ("Annonceudgift", "number", "spend"),
        ("Annonceudgift (kr.)", "number", "spend"),
        ("Kostnad", "number", "spend"),
        ("Cost", "number", "spend"),
        ("Spend", "number", "spend"),
        ("Spent", "number", "spend"),
        ("Amount spent (DKK)", "number", "spend"),  # Meta Ads Manager
        # Case, spacing, underscores and folded letters
        ("OMSÆTNING", "number", "revenue"),
        ("omsaetning", "number", "revenue"),
        ("Nye  kunder", "number", "customers"),
        ("nye_kunder", "number", "customers"),
        ("BESØG", "number", "sessions"),
        # Small misspellings
        ("Omsætnig", "number", "revenue"),
        ("Omsetnig", "number", "revenue"),
        ("Kostnadd", "number", "spend"),
        ("Klikks", "number", "clicks"),
        ("Revenu", "number", "revenue"),
        # Nothing fits
        ("Note", "text", None),
        ("Kommentar", "text", None),
        ("CPC", "number", None),
        ("", "number", None),
    ],
)
def test_real_world_header_is_suggested_as(header: str, kind: str, field: str | None) -> None:
    assert suggested(header, kind) == field


@pytest.mark.parametrize(
    ("field_id", "synonym"),
    [(f.id, syn) for f in FIELDS for syn in f.synonyms],
)
def test_every_listed_synonym_is_suggested_as_its_own_field(field_id: str, synonym: str) -> None:
    # A synonym in fields.py that can never be suggested is dead (or, worse, misleading).
    assert suggested(synonym, KIND_FOR[FIELDS_BY_ID[field_id].kind]) == field_id


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("  Omsætning (kr.) ", "omsætning"),
        ("Annonceudgift [DKK]", "annonceudgift"),
        ("Revenue {EUR}", "revenue"),
        ("Total_Conversion", "conversion"),
        ("Omsætning i alt", "omsætning"),
        ("Leads #", "leads"),
        ("Source / Medium", "source / medium"),
        ("Nye  kunder", "nye kunder"),
        ("Omsætning DKK", "omsætning"),
        ("Kr. brugt", "brugt"),
    ],
)
def test_normalise_header(header: str, normalised: str) -> None:
    assert normalise_header(header) == normalised


def test_misspelling_is_less_confident_than_an_exact_header() -> None:
    (exact,) = suggest_mapping({"Omsætning": "number"})
    (typo,) = suggest_mapping({"Omsætnig": "number"})
    assert exact.confidence == 0.95  # a synonym; only the field's own name scores 1.0
    assert MIN_CONFIDENCE <= typo.confidence < exact.confidence
    assert "looks like" in typo.reason and "omsætning" in typo.reason


def test_every_suggestion_has_a_confidence_in_range_and_a_reason() -> None:
    kinds = {"Dato": "date", "Kanal": "text", "Omsætnig": "number", "Note": "text"}
    for s in suggest_mapping(kinds):
        assert s.reason
        if s.field is None:
            assert s.confidence == 0.0
        else:
            assert MIN_CONFIDENCE <= s.confidence <= 1.0


# --- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Omsætning", "text"),  # a text column named revenue is not revenue
        ("Omsætning", "id"),
        ("Dato", "number"),  # a number column named date is not a date
        ("Dato", "text"),
        ("Kanal", "number"),  # channel needs text
        ("Besøg", "text"),
        ("Besøg", "id"),
    ],
)
def test_a_header_of_the_wrong_kind_is_not_suggested(header: str, kind: str) -> None:
    assert suggested(header, kind) is None


def test_a_text_revenue_column_does_not_take_revenue_from_the_number_column() -> None:
    s = suggest_mapping({"Omsætning": "text", "Omsætning (kr.)": "number"})
    assert [(x.column, x.field) for x in s] == [("Omsætning", None), ("Omsætning (kr.)", "revenue")]


# --- one column per field, date fallback ------------------------------------------------


def test_suggestions_keep_column_order_and_one_entry_per_column() -> None:
    kinds = {
        "Dato": "date",
        "Kanal": "text",
        "Besøg": "number",
        "Leads": "number",
        "Nye kunder": "number",
        "Omsætning (kr.)": "number",
        "Annonceudgift (kr.)": "number",
        "Note": "text",
    }
    s = suggest_mapping(kinds)
    assert [x.column for x in s] == list(kinds)
    assert mapping_from_suggestions(s) == {
        "Dato": "date",
        "Kanal": "channel",
        "Besøg": "sessions",
        "Leads": "leads",
        "Nye kunder": "customers",
        "Omsætning (kr.)": "revenue",
        "Annonceudgift (kr.)": "spend",
    }


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        # The exact header wins over the earlier misspelt one.
        ({"Omsætnig": "number", "Omsætning": "number"}, {"Omsætning": "revenue"}),
        # A header that contains a synonym (0.8) loses to one that is the synonym (1.0).
        ({"Cost per click": "number", "Cost": "number"}, {"Cost": "spend"}),
        # Equal confidence: the first column wins.
        ({"Leads": "number", "Leads ": "number"}, {"Leads": "leads"}),
        ({"Kanal": "text", "Kilde": "text"}, {"Kanal": "channel"}),
        # Two headers for dates: only one becomes the date.
        ({"Dato": "date", "Uge": "date"}, {"Dato": "date"}),
    ],
)
def test_each_field_is_suggested_for_at_most_one_column(kinds: dict, expected: dict) -> None:
    mapping = mapping_from_suggestions(suggest_mapping(kinds))
    assert mapping == expected
    assert len(set(mapping.values())) == len(mapping)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        # Meta Ads Manager lists Reach before Impressions.
        ({"Reach": "number", "Impressions": "number"}, {"Impressions": "impressions"}),
        # GA4 lists Users before Sessions.
        ({"Users": "number", "Sessions": "number"}, {"Sessions": "sessions"}),
    ],
    ids=["meta-reach", "ga4-users"],
)
def test_a_column_named_after_the_field_wins_over_a_synonym(kinds: dict, expected: dict) -> None:
    mapping = mapping_from_suggestions(suggest_mapping(kinds))
    assert {c: f for c, f in mapping.items() if c in expected} == expected


def test_first_date_column_is_the_date_when_no_header_says_so() -> None:
    s = suggest_mapping({"Leveret": "date", "Ændret": "date", "Besøg": "number"})
    assert [(x.column, x.field) for x in s] == [
        ("Leveret", "date"),
        ("Ændret", None),
        ("Besøg", "sessions"),
    ]
    assert s[0].confidence == 0.7
    assert "only column of dates" in s[0].reason


def test_no_date_column_means_no_date_suggestion() -> None:
    s = suggest_mapping({"Dato": "text", "Besøg": "number"})
    assert "date" not in mapping_from_suggestions(s).values()


# --- validate_mapping -------------------------------------------------------------------

KINDS = {"Dato": "date", "Kanal": "text", "Besøg": "number", "Leads": "number", "Note": "text"}


def test_a_good_mapping_has_no_issues() -> None:
    mapping = {"Dato": "date", "Kanal": "channel", "Besøg": "sessions", "Leads": "leads"}
    assert validate_mapping(mapping, KINDS) == []


@pytest.mark.parametrize(
    ("mapping", "level", "subject", "words"),
    [
        (
            {"Dato": "date", "Besøg": "sessions", "Leads": "sessions"},
            "error",
            "sessions",
            ["Both ‘Besøg’ and ‘Leads’ are mapped to Sessions"],
        ),
        (
            {"Dato": "date", "Besøg": "visits", "Leads": "leads"},
            "error",
            "Besøg",
            ["‘visits’ is not a known field", "sessions"],
        ),
        (
            {"Dato": "date", "Nope": "sessions", "Besøg": "sessions"},
            "error",
            "Nope",
            ["There is no column ‘Nope’"],
        ),
        (
            {"Dato": "date", "Kanal": "revenue", "Besøg": "sessions"},
            "error",
            "Kanal",
            ["‘Kanal’ holds text", "Revenue needs numbers"],
        ),
        (
            {"Besøg": "date", "Leads": "leads"},
            "error",
            "Besøg",
            ["‘Besøg’ holds numbers", "Date needs dates"],
        ),
        (
            {"Dato": "date", "Besøg": "channel", "Leads": "leads"},
            "error",
            "Besøg",
            ["Channel needs text"],
        ),
        (
            {"Besøg": "sessions"},
            "warning",
            "date",
            ["No column is mapped to Date"],
        ),
        (
            {"Dato": "date", "Kanal": "channel"},
            "warning",
            "",
            ["No column is mapped to a number"],
        ),
    ],
    ids=[
        "duplicate",
        "unknown-field",
        "unknown-column",
        "text-as-money",
        "number-as-date",
        "number-as-dimension",
        "no-date",
        "no-measures",
    ],
)
def test_validate_mapping_finds(mapping: dict, level: str, subject: str, words: list[str]) -> None:
    issues = validate_mapping(mapping, KINDS)
    assert len(issues) == 1, issues
    (issue,) = issues
    assert (issue.level, issue.field) == (level, subject)
    for w in words:
        assert w in issue.message
    assert issue.message.endswith(".")


def test_an_empty_mapping_warns_twice() -> None:
    issues = validate_mapping({}, KINDS)
    assert [(i.level, i.field) for i in issues] == [("warning", "date"), ("warning", "")]


# --- resolve_mapping --------------------------------------------------------------------


def test_resolve_without_overrides_accepts_the_suggestions() -> None:
    assert resolve_mapping(KINDS) == {
        "Dato": "date",
        "Kanal": "channel",
        "Besøg": "sessions",
        "Leads": "leads",
    }


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # Steals sessions from Besøg: no need to unmap the suggestion first.
        (
            {"Leads": "sessions"},
            {"Dato": "date", "Kanal": "channel", "Leads": "sessions"},
        ),
        ({"Besøg": "none"}, {"Dato": "date", "Kanal": "channel", "Leads": "leads"}),
        (
            {"Note": "none"},
            {"Dato": "date", "Kanal": "channel", "Besøg": "sessions", "Leads": "leads"},
        ),
        (
            {"Note": "campaign"},
            {
                "Dato": "date",
                "Kanal": "channel",
                "Besøg": "sessions",
                "Leads": "leads",
                "Note": "campaign",
            },
        ),
        # A swap: each override steals from the other column in turn.
        (
            {"Besøg": "leads", "Leads": "sessions"},
            {"Dato": "date", "Kanal": "channel", "Besøg": "leads", "Leads": "sessions"},
        ),
    ],
)
def test_resolve_applies_overrides(overrides: dict, expected: dict) -> None:
    got = resolve_mapping(KINDS, overrides)
    assert got == expected
    assert len(set(got.values())) == len(got)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"Nope": "sessions"}, ["There is no column ‘Nope’", "‘Dato’, ‘Kanal’"]),
        ({"Besøg": "visits"}, ["‘visits’ is not a field", "sessions", "or none"]),
    ],
)
def test_resolve_rejects_unknown_column_or_field(overrides: dict, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        resolve_mapping(KINDS, overrides)
    for w in words:
        assert w in str(err.value)


# --- apply_mapping ----------------------------------------------------------------------


def test_apply_mapping_renames_casts_and_keeps_unmapped_columns() -> None:
    frame = pl.DataFrame(
        {
            "Dato": [dt.date(2025, 1, 1), dt.date(2025, 1, 2)],
            "Kanal": ["Meta", "Google Ads"],
            "Besøg": [10, 20],
            "Note": ["a", "b"],
        }
    )
    out = apply_mapping(frame, {"Dato": "date", "Kanal": "channel", "Besøg": "sessions"})
    assert out.columns == ["date", "channel", "sessions", "Note"]
    assert out.schema["sessions"] == pl.Float64  # measures become floats
    assert out.schema["channel"] == pl.String
    assert out.schema["date"] == pl.Date
    assert out["sessions"].to_list() == [10.0, 20.0]
    assert out["Note"].to_list() == ["a", "b"]


def test_apply_mapping_turns_datetimes_into_dates() -> None:
    frame = pl.DataFrame({"Tid": [dt.datetime(2025, 1, 1, 23, 59)], "Besøg": [1.0]})
    out = apply_mapping(frame, {"Tid": "date", "Besøg": "sessions"})
    assert out.schema["date"] == pl.Date
    assert out["date"].to_list() == [dt.date(2025, 1, 1)]


def test_unmapped_column_named_like_a_field_is_renamed_with_source() -> None:
    frame = pl.DataFrame(
        {"Besøg": [10.0], "sessions": [5.0], "leads": ["ignore me"], "Kanal": ["Meta"]}
    )
    out = apply_mapping(frame, {"Besøg": "sessions"})
    assert out.columns == ["sessions", "sessions_source", "leads_source", "Kanal"]
    assert out["sessions"].to_list() == [10.0]
    assert out["sessions_source"].to_list() == [5.0]
    assert out["leads_source"].to_list() == ["ignore me"]


def test_apply_mapping_handles_a_column_mapped_to_another_columns_name() -> None:
    frame = pl.DataFrame({"leads": [1.0], "Besøg": [2.0]})
    out = apply_mapping(frame, {"leads": "sessions", "Besøg": "leads"})
    assert out.to_dicts() == [{"sessions": 1.0, "leads": 2.0}]


def test_source_suffix_does_not_collide_with_an_existing_column() -> None:
    frame = pl.DataFrame({"Besøg": [1.0], "sessions": [2.0], "sessions_source": [3.0]})
    out = apply_mapping(frame, {"Besøg": "sessions"})
    assert out["sessions"].to_list() == [1.0]
    assert sorted(out.drop("sessions").row(0)) == [2.0, 3.0]  # nothing lost


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({"Kanal": "revenue"}, "‘Kanal’ holds text, but Revenue needs numbers"),
        ({"Besøg": "sessions", "Leads": "sessions"}, "Both ‘Besøg’ and ‘Leads’"),
        ({"Nope": "sessions"}, "There is no column ‘Nope’"),
    ],
)
def test_apply_mapping_refuses_a_mapping_with_errors(mapping: dict, words: str) -> None:
    frame = pl.DataFrame({"Kanal": ["Meta"], "Besøg": [1.0], "Leads": [2.0]})
    with pytest.raises(InputError, match=words):
        apply_mapping(frame, mapping)


def test_apply_mapping_does_not_refuse_for_warnings_only() -> None:
    # No date and no measures are warnings: the frame is still renamed.
    frame = pl.DataFrame({"Kanal": ["Meta"]})
    assert apply_mapping(frame, {"Kanal": "channel"}).columns == ["channel"]


# --- parse_map_options ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["Besøg=sessions"], {"Besøg": "sessions"}),
        ([" Leads = leads "], {"Leads": "leads"}),
        (["a=b=leads"], {"a=b": "leads"}),  # the column may contain '='
        (["Note=none"], {"Note": "none"}),
        (["Omsætning (kr.)=revenue", "Dato=date"], {"Omsætning (kr.)": "revenue", "Dato": "date"}),
        (["Leads=leads", "Leads=sessions"], {"Leads": "sessions"}),  # the last one wins
        ([], {}),
    ],
)
def test_parse_map_options(options: list[str], expected: dict) -> None:
    assert parse_map_options(options) == expected


@pytest.mark.parametrize("option", ["Besøg", "=sessions", "Besøg=", "  =  ", ""])
def test_parse_map_options_rejects_malformed(option: str) -> None:
    with pytest.raises(InputError, match="is not COLUMN=FIELD") as err:
        parse_map_options(["Dato=date", option])
    assert f"‘{option}’" in str(err.value)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        # Meta exports put Reach first; the column named after the field must win.
        ({"Reach": "number", "Impressions": "number"}, {"Impressions": "impressions"}),
        # GA4 exports have Users beside Sessions.
        ({"Users": "number", "Sessions": "number"}, {"Sessions": "sessions"}),
    ],
)
def test_the_fields_own_name_beats_a_synonym(kinds: dict, expected: dict) -> None:
    got = {s.column: s.field for s in suggest_mapping(kinds) if s.field}
    assert got == expected


@pytest.mark.parametrize(
    "header",
    ["Cost per click", "Revenue per order", "Omsætning pr. ordre", "Konv. rate (leads)",
     "Gns. ordreværdi", "Kostnad/klick", "CPC (kr.)", "Leads %"],
)  # fmt: skip
def test_a_ratio_or_average_header_is_never_summed_as_a_count_or_amount(header: str) -> None:
    (s,) = suggest_mapping({header: "number"})
    assert s.field is None, s


# --- other languages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", "Både ‘Besøg’ og ‘Leads’ er knyttet til Besøg; vælg én af dem."),
        ("nb", "Både ‘Besøg’ og ‘Leads’ er koblet til Besøk; velg én av dem."),
        ("sv", "Både ‘Besøg’ och ‘Leads’ är kopplade till Besök; välj en av dem."),
    ],
)
def test_validate_mapping_speaks_the_language(lang: str, expected: str) -> None:
    mapping = {"Dato": "date", "Besøg": "sessions", "Leads": "sessions"}
    (issue,) = validate_mapping(mapping, KINDS, locale=lang)
    assert issue.text(lang) == expected
    assert issue.message.startswith("Both ‘Besøg’ and ‘Leads’")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "the header is ‘dato’"), ("da", "overskriften er ‘dato’"),
     ("nb", "overskriften er ‘dato’"), ("sv", "rubriken är ‘dato’")],
)  # fmt: skip
def test_suggestion_reasons_in_every_language(lang: str, expected: str) -> None:
    (s,) = suggest_mapping({"Dato": "date"})
    assert s.why(lang) == expected
