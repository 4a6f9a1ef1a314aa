"""The command line: JSON and CSV output, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_core.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "nordlys_marketing.xlsx"

NORDIC_CSV = (
    "Rapport for september og oktober\n"
    "\n"
    "Dato;Kanal;Besøg;Leads;Nye kunder;Omsætning (kr.);Annonceudgift (kr.)\n"
    "01-09-2026;Google Ads;1.200;48;6;30.000,00;4.500,50\n"
    "15-09-2026;Meta;800;20;2;12.500,00;2.000,00\n"
    "01-10-2026;Google Ads;1.500;60;9;45.250,50;5.000,00\n"
    "15-10-2026;Meta;1.000;25;3;15.000,00;2.500,00\n"
    "I alt;;4.500;153;20;102.750,50;14.000,50\n"
)


@pytest.fixture
def nordic(tmp_path: Path) -> Path:
    path = tmp_path / "salg.csv"
    path.write_bytes(NORDIC_CSV.encode("utf-8-sig"))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_inspect_reports_how_the_file_was_read(capsys, nordic: Path) -> None:
    code, out, err = run(capsys, "inspect", nordic)
    assert code == 0, err
    report = json.loads(out)
    assert report["header_row"] == 3
    assert report["rows"] == 4
    assert report["sheet"] is None
    fields = {c["name"]: c["field"] for c in report["columns"]}
    assert fields == {
        "Dato": "date",
        "Kanal": "channel",
        "Besøg": "sessions",
        "Leads": "leads",
        "Nye kunder": "customers",
        "Omsætning (kr.)": "revenue",
        "Annonceudgift (kr.)": "spend",
    }
    assert all(0 < c["confidence"] <= 1 for c in report["columns"])
    assert report["excluded_rows"] == [{"row": 8, "reason": report["excluded_rows"][0]["reason"]}]
    assert "total" in report["excluded_rows"][0]["reason"].lower()


def test_inspect_lists_workbook_sheets(capsys) -> None:
    code, out, err = run(capsys, "inspect", SAMPLE)
    assert code == 0, err
    report = json.loads(out)
    assert report["sheets"] == ["Læs mig", "Marketing dagligt", "Budget 2026"]
    assert report["sheet"] == "Marketing dagligt"
    assert report["header_row"] == 4


def test_kpis_per_month_as_ratios_of_sums(capsys, nordic: Path) -> None:
    code, out, err = run(capsys, "kpis", nordic, "--format", "json")
    assert code == 0, err
    rows = {r["period"]: r for r in json.loads(out)}
    assert set(rows) == {"2026-09", "2026-10"}
    october = rows["2026-10"]
    assert october["revenue"] == pytest.approx(60250.50)
    assert october["sessions"] == 2500
    # Σleads / Σsessions = 85 / 2500, not the mean of 60/1500 and 25/1000.
    assert october["traffic_to_lead"] == pytest.approx(85 / 2500)
    assert october["cac"] == pytest.approx(7500 / 12)
    assert october["roas"] == pytest.approx(60250.50 / 7500)
    assert "period_start" not in october


@pytest.mark.parametrize(
    ("period", "labels"),
    [("month", ["2026-09", "2026-10"]), ("quarter", ["2026-Q3", "2026-Q4"]), ("year", ["2026"])],
)
def test_kpis_period_labels(capsys, nordic: Path, period: str, labels: list[str]) -> None:
    code, out, _ = run(capsys, "kpis", nordic, "--period", period)
    assert code == 0
    assert [r["period"] for r in csv.DictReader(io.StringIO(out))] == labels


def test_kpis_by_channel(capsys, nordic: Path) -> None:
    code, out, _ = run(capsys, "kpis", nordic, "--by", "channel", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    meta_oct = next(r for r in rows if r["period"] == "2026-10" and r["channel"] == "Meta")
    assert meta_oct["leads"] == 25
    assert meta_oct["cpl"] == pytest.approx(2500 / 25)


def test_map_overrides_a_suggestion(capsys, nordic: Path) -> None:
    code, out, _ = run(capsys, "kpis", nordic, "--map", "Omsætning (kr.)=none", "--format", "json")
    assert code == 0
    assert "revenue" not in json.loads(out)[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["kpis", "missing.csv"], "There is no file ‘missing.csv’"),
        (["kpis", "{nordic}", "--map", "Nope=sessions"], "There is no column ‘Nope’"),
        (["kpis", "{nordic}", "--map", "Besøg=visits"], "‘visits’ is not a field"),
        (["kpis", "{nordic}", "--map", "Besøg"], "is not COLUMN=FIELD"),
        (["kpis", "{nordic}", "--period", "week"], "invalid choice"),
        (["kpis", "{nordic}", "--by", "campaign"], "Cannot split by campaign"),
        (["inspect", "{empty}"], "empty"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    nordic: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    empty = tmp_path / "tom.xlsx"
    empty.write_bytes(b"")
    argv = [a.format(nordic=nordic, empty=empty) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "kpi_core", *argv],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr


CRM = ROOT / "sample_data" / "crm_leads.csv"

LEADS = (
    "Lead-ID;Oprettet;Kilde;MQL dato;SQL dato;Vundet dato;Tabt dato\n"
    "001;01-09-2026;Google Ads;03-09-2026;10-09-2026;21-09-2026;\n"
    "002;02-09-2026;Google Ads;04-09-2026;;;30-09-2026\n"
    "003;05-09-2026;Meta;;;;06-09-2026\n"
    "004;07-09-2026;Meta;08-09-2026;12-09-2026;;15-10-2026\n"
)


def test_funnel_on_lead_level_data_has_days_to_convert(capsys, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")
    code, out, err = run(capsys, "funnel", path)
    assert code == 0, err
    report = json.loads(out)
    assert report["level"] == "leads"
    stages = {s["stage"]: s for s in report["stages"]}
    # 4 leads, 3 reached MQL, 2 SQL, 1 won (lead 001, 20 days after it was created).
    assert [stages[s]["count"] for s in ("leads", "mqls", "sqls", "customers")] == [4, 3, 2, 1]
    assert stages["sqls"]["pct_of_previous"] == pytest.approx(2 / 3)
    assert stages["customers"]["pct_of_first"] == pytest.approx(1 / 4)
    assert stages["customers"]["median_days"] == 20
    assert report["lead_to_customer"] == pytest.approx(1 / 4)


def test_funnel_by_channel_gives_one_block_per_channel(capsys, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")
    code, out, _ = run(capsys, "funnel", path, "--by", "channel")
    assert code == 0
    blocks = {b["channel"]: b["stages"] for b in json.loads(out)["blocks"]}
    assert set(blocks) == {"Google Ads", "Meta"}
    assert [s["count"] for s in blocks["Meta"]] == [2, 1, 1, 0]


def test_funnel_on_aggregated_data_as_csv(capsys, nordic: Path) -> None:
    code, out, _ = run(capsys, "funnel", nordic, "--format", "csv")
    assert code == 0
    rows = {r["stage"]: r for r in csv.DictReader(io.StringIO(out))}
    # Σsessions 4,500 → Σleads 153 → Σcustomers 20 over both months.
    assert float(rows["leads"]["pct_of_previous"]) == pytest.approx(153 / 4500)
    assert float(rows["customers"]["pct_of_first"]) == pytest.approx(20 / 4500)
    assert rows["customers"]["median_days"] == ""


def test_funnel_join_on_needs_two_files(capsys, nordic: Path) -> None:
    code, _, err = run(capsys, "funnel", nordic, "--join-on", "Lead-ID")
    assert code == 2
    assert err.startswith("error: --join-on needs a second file")


def test_leadlag_reports_each_lag_and_the_best(capsys) -> None:
    code, out, err = run(
        capsys, "leadlag", SAMPLE, "--lagging", "revenue", "--leading", "leads", "--max-lag", "3"
    )
    assert code == 0, err
    report = json.loads(out)
    (leads,) = report["leading"]
    assert [row["lag"] for row in leads["lags"]] == [0, 1, 2, 3]
    # Monthly changes over 24 months: lag k leaves 23 - k pairs.
    assert [row["n"] for row in leads["lags"]] == [23, 22, 21, 20]
    assert leads["best_lag"] == 1  # the sample's leads move about a month before revenue
    assert leads["r"] > 0 and leads["n"] == 22


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lagging", "nope"], "Unknown KPI 'nope'"),
        (["--lagging", "revenue", "--max-lag", "99"], "--max-lag 99 is outside"),
    ],
)
def test_leadlag_bad_input(capsys, args: list[str], expected: str) -> None:
    code, _, err = run(capsys, "leadlag", SAMPLE, *args)
    assert code == 2
    assert err.startswith("error: ") and expected in err


def test_benchmark_ranks_against_a_nordic_competitor_sheet(capsys, tmp_path: Path) -> None:
    sheet = tmp_path / "konkurrenter.csv"
    sheet.write_text(
        "Konkurrent;Cost per click;CTR\nSolkraft A/S;6,10;0,015\nGrøn Energi;9,50;0,011\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "benchmark", SAMPLE, "--competitors", sheet, "--period", "year", "--format", "json"
    )
    assert code == 0, err
    rows = {r["kpi_id"]: r for r in json.loads(out)}
    cpc, ctr = rows["cpc"], rows["ctr"]
    assert cpc["competitor:Solkraft A/S"] == 6.10 and cpc["competitor:Grøn Energi"] == 9.50
    # Lower CPC is better: 6.10 < ours (≈ 8.26 in 2025) < 9.50, so we rank 2nd of 3.
    assert 6.10 < cpc["value"] < 9.50 and cpc["rank"] == 2
    # Higher CTR is better: 0.015 > ours (≈ 0.0126) > 0.011.
    assert 0.011 < ctr["value"] < 0.015 and ctr["rank"] == 2
    assert cpc["source"] and cpc["year"]  # every published figure carries its source and year


def test_benchmark_competitor_sheet_without_kpi_columns_is_refused(capsys, tmp_path) -> None:
    sheet = tmp_path / "noter.csv"
    sheet.write_text("Navn;Note\nA;hej\n", encoding="utf-8")
    code, _, err = run(capsys, "benchmark", SAMPLE, "--competitors", sheet)
    assert code == 2
    assert err.startswith("error: noter.csv: put one competitor per row")
