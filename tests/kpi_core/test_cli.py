"""The command line: JSON and CSV output, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from kpi_core import cli
from kpi_core.cli import main
from kpi_core.ingest import LoadedTable, load_path

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


# --- goalseek ------------------------------------------------------------------------------

STAGES = ["revenue", "customers", "sqls", "mqls", "leads", "sessions"]
RAW = {
    "revenue": "Omsætning (kr.)",
    "customers": "Nye kunder",
    "sqls": "SQL",
    "mqls": "MQL",
    "leads": "Leads",
    "sessions": "Besøg",
}


@pytest.fixture(scope="module")
def sample_table() -> LoadedTable:
    return load_path(SAMPLE)


@pytest.fixture(scope="module")
def window_totals(sample_table: LoadedTable) -> dict[str, float]:
    """Sums over the sample's latest 12 complete months (Nov 2025 – Oct 2026), from the raw rows."""
    raw = sample_table.frame
    inside = raw.filter(pl.col("Dato").is_between(dt.date(2025, 11, 1), dt.date(2026, 10, 31)))
    totals = {stage: float(inside[column].sum()) for stage, column in RAW.items()}
    jan = raw.filter(pl.col("Dato").is_between(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    totals["january_revenue"] = float(jan[RAW["revenue"]].sum())
    return totals


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch, sample_table: LoadedTable) -> None:
    """Read the sample workbook once for the many goalseek runs below (same table, less time)."""
    real = cli.load_path

    def load(path, sheet=None):
        return sample_table if Path(path) == SAMPLE and sheet is None else real(path, sheet=sheet)

    monkeypatch.setattr(cli, "load_path", load)


def goalseek_csv(capsys, *args: str) -> tuple[list[dict[str, float]], str]:
    code, out, err = run(capsys, "goalseek", *args)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    return [{k: (v if k == "period" else float(v)) for k, v in r.items()} for r in rows], err


def test_goalseek_csv_on_the_sample(capsys, window_totals: dict[str, float]) -> None:
    rows, err = goalseek_csv(capsys, SAMPLE, "--revenue", "60000000", "--period", "2027")
    assert err == ""
    assert list(rows[0]) == ["period", *STAGES, *(f"current_{s}" for s in STAGES)]
    assert [r["period"] for r in rows] == [f"2027-{m:02d}" for m in range(1, 13)]
    assert sum(r["revenue"] for r in rows) == 60_000_000
    # Seasonal: January 2027 gets January 2026's share of the latest complete year.
    share = window_totals["january_revenue"] / window_totals["revenue"]
    assert rows[0]["revenue"] == pytest.approx(60_000_000 * share, abs=1)
    for r in rows:
        assert r["sessions"] >= r["leads"] >= r["mqls"] >= r["sqls"] >= r["customers"] > 0
        # Every rate is a ratio of the window's sums, so each stage is the month's revenue
        # times Σstage / Σrevenue over Nov 2025 – Oct 2026.
        for stage in STAGES[1:]:
            expected = r["revenue"] * window_totals[stage] / window_totals["revenue"]
            assert r[stage] == pytest.approx(expected, rel=1e-9), stage
        # Today: the monthly average over the same 12 months.
        for stage in STAGES:
            assert r[f"current_{stage}"] == pytest.approx(window_totals[stage] / 12, rel=1e-9)


def test_goalseek_json_on_the_sample(capsys, window_totals: dict[str, float]) -> None:
    code, out, err = run(
        capsys, "goalseek", SAMPLE, "--revenue", "60e6", "--period", "2027", "--format", "json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["period"] == "2027"
    assert report["revenue"] == 60_000_000
    assert report["split"] == "seasonal"
    assert report["baseline"] == {"start": "2025-11-01", "end": "2026-10-31"}
    a = report["assumptions"]
    ttl = window_totals["leads"] / window_totals["sessions"]
    assert a["traffic_to_lead"] == pytest.approx(ttl, rel=1e-9)
    assert a["sql_to_customer"] == pytest.approx(
        window_totals["customers"] / window_totals["sqls"], rel=1e-9
    )
    assert {"aov", "orders_per_customer", "lead_to_mql", "mql_to_sql", "cpc"} <= set(a)
    months = report["months"]
    assert len(months) == 12
    assert sum(m["revenue"] for m in months) == 60_000_000
    assert set(months[0]) == {"period", *STAGES, *(f"current_{s}" for s in STAGES)}


@pytest.mark.parametrize("amount", ["60000000", "60e6", "60,000,000", "60.000.000", "6e7"])
def test_goalseek_reads_the_revenue_as_people_write_it(capsys, cached, amount: str) -> None:
    rows, _ = goalseek_csv(capsys, SAMPLE, "--revenue", amount, "--period", "2027")
    assert sum(r["revenue"] for r in rows) == 60_000_000


def test_goalseek_even_split(capsys) -> None:
    rows, err = goalseek_csv(
        capsys, SAMPLE, "--revenue", "60000000", "--period", "2027", "--split", "even"
    )
    assert err == ""
    assert [r["revenue"] for r in rows] == [5_000_000.0] * 12


@pytest.mark.parametrize(
    ("rate", "stage", "below", "value"),
    [
        ("traffic_to_lead=2%", "sessions", "leads", 0.02),
        ("traffic_to_lead=2 %", "sessions", "leads", 0.02),
        ("traffic_to_lead=0.02", "sessions", "leads", 0.02),
        ("lead_to_mql=60%", "leads", "mqls", 0.6),
        ("sql_to_customer=0,5", "sqls", "customers", 0.5),
    ],
)
def test_goalseek_rate_changes_the_plan(
    capsys, cached, rate: str, stage: str, below: str, value: float
) -> None:
    args = (SAMPLE, "--revenue", "60000000", "--period", "2027")
    today, _ = goalseek_csv(capsys, *args)
    moved, _ = goalseek_csv(capsys, *args, "--rate", rate)
    for before, after in zip(today, moved, strict=True):
        assert after[below] == pytest.approx(before[below], rel=1e-12)  # the stage below holds
        assert after[stage] == pytest.approx(after[below] / value, rel=1e-12)
        assert after[stage] != pytest.approx(before[stage])
        assert after[f"current_{stage}"] == before[f"current_{stage}"]  # today is today


def test_goalseek_money_rate_and_several_rates(capsys, cached) -> None:
    args = (SAMPLE, "--revenue", "60000000", "--period", "2027", "--format", "json")
    code, out, _ = run(capsys, "goalseek", *args, "--rate", "aov=60000", "--rate", "ctr=2%")
    assert code == 0
    report = json.loads(out)
    a = report["assumptions"]
    assert (a["aov"], a["ctr"]) == (60_000, 0.02)
    for m in report["months"]:
        # Revenue per customer is now 60,000 × today's orders per customer.
        assert m["customers"] == pytest.approx(m["revenue"] / (60_000 * a["orders_per_customer"]))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rate", "nope=1"], "has no assumption ‘nope’; it has aov, orders_per_customer"),
        (["--rate", "traffic_to_lead"], "--rate ‘traffic_to_lead’ is not NAME=VALUE"),
        (["--rate", "traffic_to_lead=lots"], "is not NAME=VALUE"),
        (["--rate", "=0.5"], "is not NAME=VALUE"),
        (["--rate", "traffic_to_lead=150%"], "traffic_to_lead is a share"),
        (["--rate", "traffic_to_lead=-1%"], "must be zero or more"),
        (["--rate", "aov=5%"], "aov is not a share; give a plain number"),
        (["--rate", "lead_to_mql=0"], "is 0 %"),
        (["--period", "2027-Q1"], "--period ‘2027-Q1’ is a quarter; give a year"),
        (["--period", "2027-03"], "is a month; give a year"),
        (["--period", "next year"], "‘next year’ is not a period"),
        (["--revenue", "-5"], "--revenue ‘-5’ is not a positive amount"),
        (["--revenue", "0"], "is not a positive amount"),
        (["--revenue", "lots"], "is not a positive amount"),
        (["--revenue", "5%"], "is not a positive amount"),
        (["--split", "ramp"], "invalid choice"),
    ],
)
def test_goalseek_bad_input(capsys, cached, args: list[str], expected: str) -> None:
    base = {"--revenue": "60000000", "--period": "2027"}
    for flag in ("--revenue", "--period"):
        if flag in args:
            base.pop(flag)
    argv = ["goalseek", str(SAMPLE), *(x for kv in base.items() for x in kv), *args]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse misuse
        code = stop.code
    out = capsys.readouterr()
    assert code == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert out.out == ""


def test_goalseek_without_customers_is_one_error_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "kpi_core", "goalseek", str(SAMPLE)),
            *("--map", "Nye kunder=none", "--revenue", "60000000", "--period", "2027"),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: nordlys_marketing.xlsx: A plan needs new customers")
    assert proc.stdout == ""


def test_goalseek_falls_back_to_even_with_a_note(capsys, nordic: Path) -> None:
    # September 2026 is the only complete month: 2,000 visits, 68 leads, 8 customers and
    # 42,500 kr. 1,200,000 in 2027 is 100,000 a month: 100,000 × 8 / 42,500 = 18.82
    # customers, × 68/8 = 160 leads, / (68/2,000) = 4,705.9 visits.
    rows, err = goalseek_csv(capsys, nordic, "--revenue", "1200000", "--period", "2027")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: ")
    assert "evenly" in lines[0]
    assert list(rows[0]) == [
        "period",
        "revenue",
        "customers",
        "leads",
        "sessions",
        "current_revenue",
        "current_customers",
        "current_leads",
        "current_sessions",
    ]
    for r in rows:
        assert r["revenue"] == 100_000
        assert r["customers"] == pytest.approx(100_000 * 8 / 42_500)
        assert r["leads"] == pytest.approx(160)
        assert r["sessions"] == pytest.approx(160 / (68 / 2000))
        assert (r["current_sessions"], r["current_leads"]) == (2000, 68)
        assert (r["current_customers"], r["current_revenue"]) == (8, 42_500)
    _, even_err = goalseek_csv(
        capsys, nordic, "--revenue", "1200000", "--period", "2027", "--split", "even"
    )
    assert even_err == ""  # asked for even: nothing to note


# -- report ------------------------------------------------------------------------------------

TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts as a 1-pixel PNG: rendering is tested in test_export; here the plumbing is."""
    from kpi_core import export

    monkeypatch.setattr(export, "chart_png", lambda chart, **_: TINY_PNG)


def test_report_writes_an_excel_workbook(capsys, cached, quick_charts, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "report.xlsx"
    code, stdout, err = run(capsys, "report", SAMPLE, "--out", out)
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["file"] == str(out)
    assert (summary["period"], summary["at"]) == ("month", "2026-10")
    assert summary["sections"] == ["scorecard", "funnel", "leadlag", "benchmarks"]
    assert summary["notes"] == ["Targets and pacing: Left out: no targets were given."]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Report", "Scorecard"]
    assert len(book["Charts"]._images) == summary["charts"] > 0


def test_report_writes_print_ready_html(capsys, cached, quick_charts, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run(
        capsys, "report", SAMPLE, "--period", "quarter", "--channel", "meta", "--out", out
    )
    assert code == 0, err
    assert json.loads(stdout)["at"] == "2026-Q3"
    page = out.read_text(encoding="utf-8")
    assert "Q3 2026" in page and "<dd>Meta</dd>" in page and "@page { size: A4" in page
    assert "<script" not in page


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("report.pdf", "print it to PDF from a browser"),
        ("report.docx", "end the name with .xlsx"),
        ("report", "end the name with .xlsx"),
    ],
)
def test_report_refuses_other_formats_in_one_line(
    capsys, tmp_path: Path, out: str, expected: str
) -> None:
    code, stdout, err = run(capsys, "report", tmp_path / "missing.xlsx", "--out", tmp_path / out)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "Give a data FILE, a --workspace file, or both."),
        (["{nordic}", "--at", "2031-01"], "There is no period 2031-01"),
        (["{nordic}", "--at", "soon"], "‘soon’ is not a period"),
        (["{nordic}", "--channel", "TikTok"], "There is no channel ‘TikTok’"),
        (["{nordic}", "--workspace", "{nordic}"], "cannot be imported: it is not a KPI Kompas"),
        (["{tmp}/none.csv"], "There is no file"),
    ],
)
def test_report_bad_input_is_one_error_line(
    capsys, nordic: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    argv = [a.format(nordic=nordic, tmp=tmp_path) for a in args]
    code, stdout, err = run(capsys, "report", *argv, "--out", tmp_path / "r.html")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected in lines[0]
    assert stdout == "" and not (tmp_path / "r.html").exists()


def test_csv_output_defuses_formula_text(capsys, tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "Date;Channel;Sessions;Leads\n"
        '01-09-2026;=HYPERLINK("http://x");100;5\n'
        "02-09-2026;@SUM(1);50;2\n"
        "03-09-2026;Google Ads;80;4\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "kpis", path, "--by", "channel")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["channel"] for r in rows) == [
        '\'=HYPERLINK("http://x")',
        "'@SUM(1)",
        "Google Ads",
    ]
    assert all(r["sessions"][0].isdigit() for r in rows)  # numbers are left alone


# -- workspace ---------------------------------------------------------------------------------


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty workspace database for this test only."""
    folder = tmp_path / "home"
    monkeypatch.setenv("KPI_KOMPAS_HOME", str(folder))
    return folder


def _client(nordic: Path) -> str:
    """A saved workspace with the Nordic CSV, its KPI selection and a target; returns its id."""
    from dataclasses import replace

    from kpi_core.store import Store, StoredFile
    from kpi_core.targets import target

    store = Store()
    ws = store.create("Client A")
    data = StoredFile("salg.csv", nordic.read_bytes())
    ws = replace(
        ws,
        files=(data,),
        active=data.key,
        kpis={data.key: ["sessions", "leads", "revenue"]},
        targets=(target("leads", 400, "2026", owner="=1+1", goal="More quotes"),),
        competitors=[{"Competitor": "Solvarme A/S", "Traffic to lead (TTL)": 0.03}],
    )
    store.save(ws, expected_revision=0, note="From the workshop")
    return ws.id


def _listed(capsys) -> list[dict[str, str]]:
    code, out, err = run(capsys, "workspace", "list")
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_workspace_export_import_list_round_trip(
    capsys, home: Path, nordic: Path, tmp_path: Path
) -> None:
    from kpi_core.store import Store

    ws_id = _client(nordic)
    assert [(r["id"], r["name"], r["revision"]) for r in _listed(capsys)] == [
        (ws_id, "Client A", "1")
    ]
    exported = tmp_path / "client-a.kkw"
    code, out, err = run(capsys, "workspace", "export", "Client A", "--out", exported)
    assert code == 0, err
    assert json.loads(out) == {
        "id": ws_id,
        "name": "Client A",
        "file": str(exported),
        "bytes": exported.stat().st_size,
    }
    code, out, err = run(capsys, "workspace", "import", exported, "--name", "Client B")
    assert code == 0, err
    new = json.loads(out)
    assert (new["name"], new["files"], new["targets"]) == ("Client B", 1, 1)
    assert new["id"] != ws_id
    assert {r["name"] for r in _listed(capsys)} == {"Client A", "Client B"}
    copy = Store().load(new["id"])
    assert copy.targets[0].owner == "=1+1" and copy.files[0].name == "salg.csv"
    # By id works too, and the exported file is the same workspace.
    code, _, err = run(capsys, "workspace", "export", new["id"], "--out", tmp_path / "b.kkw")
    assert code == 0, err


def test_workspace_export_of_an_ambiguous_name_lists_the_ids(
    capsys, home: Path, nordic: Path, tmp_path: Path
) -> None:
    first = _client(nordic)
    second = _client(nordic)
    code, out, err = run(capsys, "workspace", "export", "client a", "--out", tmp_path / "x.kkw")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "2 workspaces are named ‘client a’" in lines[0]
    assert first in lines[0] and second in lines[0]
    code, _, err = run(capsys, "workspace", "export", "Nobody", "--out", tmp_path / "x.kkw")
    assert code == 2 and "There is no workspace ‘Nobody’" in err
    assert not (tmp_path / "x.kkw").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"not a zip at all", "not a zip archive"),
        (b"PK\x03\x04broken", "damaged or cut short"),
    ],
)
def test_workspace_import_of_a_bad_file_changes_nothing(
    capsys, home: Path, nordic: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    _client(nordic)
    bad = tmp_path / "bad.kkw"
    bad.write_bytes(content)
    code, out, err = run(capsys, "workspace", "import", bad)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: This workspace file cannot be imported")
    assert expected in lines[0]
    assert [r["name"] for r in _listed(capsys)] == ["Client A"]


def test_report_from_a_workspace_file(
    capsys, home: Path, nordic: Path, tmp_path: Path, quick_charts
) -> None:
    ws_id = _client(nordic)
    exported = tmp_path / "client.kkw"
    assert run(capsys, "workspace", "export", ws_id, "--out", exported)[0] == 0
    out = tmp_path / "client.xlsx"
    # No FILE: the workspace's own copy of its active file is used.
    code, stdout, err = run(capsys, "report", "--workspace", exported, "--out", out)
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["workspace"] == "Client A" and summary["source"] == "salg.csv"
    assert {"targets", "changes"} <= set(summary["sections"])

    import openpyxl

    book = openpyxl.load_workbook(out)
    names = ("Sessions", "Leads", "Revenue", "New customers")
    kpis = [r[0].value for r in book["Scorecard"].iter_rows() if r[0].value in names]
    assert kpis == ["Sessions", "Leads", "Revenue"]  # the workspace's KPI selection
    owners = [c for row in book["Targets"].iter_rows() for c in row if c.value == "=1+1"]
    assert owners and all(c.data_type == "s" and c.quotePrefix for c in owners)
    log = [r[2].value for r in book["Change log"].iter_rows() if r[1].value == "target added"]
    assert log == ["Leads 2026"]
    benchmarks = [c.value for row in book["Benchmarks"].iter_rows() for c in row]
    assert "Solvarme A/S" in benchmarks  # the workspace's competitor

    # The same data file given as FILE is matched to the workspace's copy by its bytes.
    code, stdout, err = run(
        capsys, "report", nordic, "--workspace", exported, "--out", tmp_path / "b.html"
    )
    assert code == 0, err
    assert "targets" in json.loads(stdout)["sections"]


# -- customers, nps, abtest -------------------------------------------------------------------

ORDERS = ROOT / "sample_data" / "ordrer.csv"


def _sample_rows(name: str) -> list[dict[str, str]]:
    """A sample CSV read with the standard library, independent of the app's reader."""
    text = (ROOT / "sample_data" / name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_customers_prints_retention_and_a_call_list(capsys) -> None:
    code, out, err = run(capsys, "customers", str(ORDERS), "--inactive-months", "6")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["columns"]["customer"] == "Kunde-ID"
    assert result["columns"]["amount"] == "Beløb (kr.)"
    # Every customer of the export is new exactly once over the months.
    customers = {r["Kunde-ID"] for r in _sample_rows("ordrer.csv")}
    assert sum(m["new"] for m in result["monthly"]) == len(customers)
    calls = result["to_contact"]
    assert calls and all(c["months_quiet"] >= 6 for c in calls)
    revenues = [c["revenue"] for c in calls]
    assert revenues == sorted(revenues, reverse=True)


def test_customers_map_overrides_and_bad_maps(capsys) -> None:
    code, out, _ = run(
        capsys, "customers", str(ORDERS), "--map", "Kundenavn=customer", "--map", "Ordredato=date"
    )
    assert code == 0 and json.loads(out)["columns"] == {
        "customer": "Kundenavn",
        "date": "Ordredato",
    }
    code, _, err = run(capsys, "customers", str(ORDERS), "--map", "Kunde-ID=boss")
    assert code == 2 and err.count("\n") == 1 and "ROLE must be one of" in err
    code, _, err = run(capsys, "customers", str(ORDERS), "--map", "Nope=customer")
    assert code == 2 and "no column ‘Nope’" in err


def test_nps_matches_a_count_by_hand(capsys) -> None:
    scores = [int(r["Score"]) for r in _sample_rows("nps_svar.csv")]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    code, out, _ = run(capsys, "nps", str(ROOT / "sample_data" / "nps_svar.csv"))
    assert code == 0
    score = json.loads(out)["score"]
    assert score["n"] == len(scores)
    assert score["value"] == pytest.approx(100 * (promoters - detractors) / len(scores))
    assert score["low"] < score["value"] < score["high"]


def test_csat_is_the_share_of_fours_and_fives(capsys) -> None:
    scores = [int(r["Score"]) for r in _sample_rows("csat_svar.csv")]
    code, out, _ = run(
        capsys, "nps", str(ROOT / "sample_data" / "csat_svar.csv"), "--scale", "csat"
    )
    assert code == 0
    score = json.loads(out)["score"]
    assert score["value"] == pytest.approx(100 * sum(s >= 4 for s in scores) / len(scores))


def test_abtest_by_hand(capsys) -> None:
    code, out, _ = run(capsys, "abtest", "--variant", "A:4200:61", "--variant", "B:4150:88")
    assert code == 0
    b = json.loads(out)["variants"][1]
    # Pooled two-proportion z-test, worked by hand:
    p1, p2 = 61 / 4200, 88 / 4150
    pooled = (61 + 88) / (4200 + 4150)
    se = (pooled * (1 - pooled) * (1 / 4200 + 1 / 4150)) ** 0.5
    z = (p2 - p1) / se
    import math

    assert b["rate"] == pytest.approx(p2)
    assert b["z"] == pytest.approx(z, rel=1e-6)
    assert b["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-6)
    assert b["significant"] is True


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--variant", "A:100"], "NAME:VISITORS:CONVERSIONS"),
        (["--variant", "A:100:120", "--variant", "B:100:5"], "A"),
        (["--variant", "A:100:5", "--alpha", "2"], "--alpha"),
    ],
)
def test_abtest_bad_input_is_one_error_line(capsys, args: list[str], says: str) -> None:
    code, out, err = run(capsys, "abtest", *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and says in err


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "error: --period ‘2027-Q1’ is a quarter; give a year, such as 2027."),
        ("da", "error: --period ‘2027-Q1’ er en periode af typen kvartal; angiv et år, fx 2027."),
        (
            "nb",
            "error: --period ‘2027-Q1’ er en periode av typen kvartal; oppgi et år, f.eks. 2027.",
        ),
        ("sv", "error: --period ‘2027-Q1’ är en period av typen kvartal; ange ett år, t.ex. 2027."),
    ],
)
def test_errors_speak_the_chosen_language(capsys, lang: str, expected: str) -> None:
    code, _, err = run(
        capsys, "goalseek", ROOT / "sample_data" / "nordlys_marketing.xlsx",
        "--revenue", "60e6", "--period", "2027-Q1", "--lang", lang,
    )  # fmt: skip
    assert code == 2
    assert err.strip() == expected


def test_language_from_the_environment_and_a_bad_choice(capsys, monkeypatch) -> None:
    monkeypatch.setenv("KPI_KOMPAS_LANG", "sv")
    code, _, err = run(capsys, "inspect", "/no/such/file.xlsx")
    assert code == 2
    assert err.startswith("error: ") and "finns inte" in err
    with pytest.raises(SystemExit) as stopped:
        main(["inspect", "x.csv", "--lang", "de"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
