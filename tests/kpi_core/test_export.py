"""Reports: sections from the sample, safe HTML, a formula-safe workbook read back, chart images."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kpi_core import export
from kpi_core.export import Report, build_report, safe_text
from kpi_core.i18n import format_value
from kpi_core.ingest import load_path
from kpi_core.issues import InputError
from kpi_core.mapping import apply_mapping, resolve_mapping
from kpi_core.targets import load_targets

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "nordlys_marketing.xlsx"
TARGETS = ROOT / "sample_data" / "targets.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SCRIPT = "<script>alert(1)</script>"
BOLD_HEADER = "<b>Besøg</b>"  # a mapped column header with markup in it
FORMULA_HEADER = "=Klik"  # … and one that a spreadsheet would run
#: Text a spreadsheet would run: one per dangerous first character.
RISKY = {
    "owner": '=HYPERLINK("http://evil.example","x")',
    "goal": "+SUM(1,2)",
    "notes": "@cmd|' /C calc'!A0",
    "competitor_minus": "-2+3",
    "notes_tab": "\tTabbed note",
    "goal_cr": "\rReturned goal",
}


@pytest.fixture(scope="module")
def mapped() -> tuple[pl.DataFrame, dict[str, str], pl.DataFrame]:
    """The sample's rows mapped, with two hostile column headers; and the raw frame."""
    table = load_path(SAMPLE)
    renames = {"Besøg": BOLD_HEADER, "Klik": FORMULA_HEADER}
    raw = table.frame.rename(renames)
    kinds = {renames.get(c, c): kind for c, kind in table.kinds.items()}
    mapping = resolve_mapping(kinds, {BOLD_HEADER: "sessions", FORMULA_HEADER: "clicks"})
    return apply_mapping(raw, mapping), mapping, raw


def _revenue_target_raised(target_id: str, *, note: str) -> dict[str, object]:
    """A change-log row: the 2026 revenue target raised from 50 to 56 million on 1 March."""
    return {
        "at": "2026-03-01T09:00:00+00:00",
        "kind": "target changed",
        "what": target_id,
        "before": {"kpi": "revenue", "value": 50_000_000, "period": "2026"},
        "after": {"kpi": "revenue", "value": 56_000_000, "period": "2026"},
        "note": note,
    }


@pytest.fixture(scope="module")
def report(mapped: tuple[pl.DataFrame, dict[str, str], pl.DataFrame]) -> Report:
    data, mapping, _ = mapped
    targets = load_targets(TARGETS.read_text(encoding="utf-8"), source="targets.json")
    targets[0] = replace(targets[0], owner=RISKY["owner"], goal=RISKY["goal"], notes=RISKY["notes"])
    targets[1] = replace(targets[1], notes=RISKY["notes_tab"], goal=RISKY["goal_cr"])
    competitors = [
        {"Competitor": SCRIPT, "Cost per click": 6.5, "Click-through rate": 0.021},
        {"Competitor": RISKY["competitor_minus"], "Traffic to lead (TTL)": 0.012},
        {"Competitor": "Solvarme A/S", "ctr": 0.015, "Lead to MQL": 0.5},
    ]
    own = [
        {  # a usable peer figure: newer than the built-in one, so it is chosen
            "kpi_id": "lead_to_mql",
            "statistic": "typical",
            "value": 0.55,
            "unit": "percent",
            "industry": "All industries",
            "channel": "All channels",
            "region": "Nordics",
            "period": "2026",
            "definition": "Leads that marketing qualified.",
            "source_name": "Solar peers <survey>",
            "source_url": "https://example.org/peers",
            "caveat": "Twelve installers.",
        },
        {"kpi_id": "ctr", "statistic": "typical", "value": 0.02},  # no unit, no source
    ]
    changes = export.changes_frame(
        [_revenue_target_raised(targets[0].id, note="=1+1 at the March review")]
    )
    return build_report(
        data,
        source="nordlys_marketing.xlsx",
        mapping=mapping,
        targets=targets,
        competitors=competitors,
        own_benchmarks=own,
        changes=changes,
        title="Nordlys <Solar> KPI report",
        today=dt.date(2026, 11, 15),
    )


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return export.to_html(report)


@pytest.fixture(scope="module")
def book(report: Report) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(export.to_xlsx(report)), data_only=False)


def _october_total(raw: pl.DataFrame, column: str) -> float:
    october = raw.filter(pl.col("Dato").is_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    return float(october[column].sum())


# -- What the report holds ---------------------------------------------------------------------


def test_the_sample_report_has_every_section(report: Report) -> None:
    assert report.sections() == [
        "scorecard", "funnel", "leadlag", "benchmarks", "targets", "changes"
    ]  # fmt: skip
    assert (report.period, report.period_label, report.when) == ("month", "2026-10", "October 2026")
    assert report.summary and report.summary[0].startswith("In October 2026, revenue was")
    assert "Lead → MQL" in report.funnel_finding
    assert "before revenue" in report.leadlag_finding
    assert report.targets is not None and report.targets.height == 5
    assert len(report.pacing) == 5
    assert report.benchmark_summary
    assert any("Ratio KPIs are ratios of sums" in a for a in report.assumptions)
    assert (BOLD_HEADER, "sessions") in report.mapping
    # The bad own benchmark row is left out, with a note saying so.
    assert any("own benchmark rows were left out" in m for _, m in report.notes)
    # Charts: trends, the funnel, the lead times, benchmarks, and one per target with data.
    titles = [t for t, _ in report.charts]
    assert "Revenue per month" in titles and "Funnel, October 2026" in titles
    assert any(t.startswith("Correlation with revenue") for t in titles)
    assert sum(t.endswith("actual against plan") for t in titles) == 5


def test_scorecard_values_match_the_rows(report: Report, mapped) -> None:
    _, _, raw = mapped
    assert report.scorecard is not None
    row = report.scorecard.filter(pl.col("kpi_id") == "revenue").row(0, named=True)
    assert row["value"] == pytest.approx(_october_total(raw, "Omsætning (kr.)"))
    ttl = report.scorecard.filter(pl.col("kpi_id") == "traffic_to_lead").row(0, named=True)
    # A ratio of sums over the month, on the rows where both were recorded.
    october = raw.filter(pl.col("Dato").is_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    both = october.filter(pl.col("Leads").is_not_null() & pl.col(BOLD_HEADER).is_not_null())
    assert ttl["value"] == pytest.approx(both["Leads"].sum() / both[BOLD_HEADER].sum())


def test_benchmarks_keep_source_year_link_and_caveat(report: Report) -> None:
    bench = report.benchmarks
    assert bench is not None
    assert f"{export.COMPETITOR_PREFIX}{SCRIPT}" in bench.columns
    for r in bench.iter_rows(named=True):
        if r["low"] is not None or r["typical"] is not None or r["high"] is not None:
            assert r["source"] and r["link"].startswith("https://") and r["year"], r
            assert r["caveat"], r
    peers = bench.filter(pl.col("kpi_id") == "lead_to_mql").row(0, named=True)
    assert (peers["source"], peers["typical"]) == ("Solar peers <survey>", 0.55)


# -- HTML --------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_shows_the_scorecard_values(page: str, mapped) -> None:
    _, _, raw = mapped
    revenue = _october_total(raw, "Omsætning (kr.)")
    leads = _october_total(raw, "Leads")
    assert format_value(revenue, "currency", locale="en") in page  # DKK3,379,540
    assert f'<td class="num">{format_value(leads, "count", locale="en")}</td>' in page


def test_html_names_period_filters_assumptions_and_sources(page: str, report: Report) -> None:
    assert "October 2026" in page and "all channels" in page and "month" in page
    assert "ratios of sums" in page
    assert "&lt;b&gt;Besøg&lt;/b&gt;</td><td>sessions</td>" in page  # the mapping used
    assert report.benchmarks is not None
    for r in report.benchmarks.drop_nulls("source").iter_rows(named=True):
        assert export._e(r["source"]) in page
        assert f'<a href="{export._e(r["link"])}"' in page
        assert export._e(r["year"]) in page
    assert "Solar peers &lt;survey&gt; (2026)" in page


def test_html_escapes_every_text_from_the_data(page: str) -> None:
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert BOLD_HEADER not in page and "&lt;b&gt;Besøg&lt;/b&gt;" in page
    assert "<Solar>" not in page and "Nordlys &lt;Solar&gt; KPI report" in page
    assert "&lt;survey&gt;" in page


def test_html_loads_nothing_from_outside(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "link" not in names
    assert not {"iframe", "object", "embed", "base", "form"} & set(names)
    sources = [a["src"] for t, a in parser.tags if "src" in a]
    assert sources and all(
        s is not None and s.startswith("data:image/png;base64,") for s in sources
    )
    for tag, attrs in parser.tags:
        if "href" in attrs:  # only the benchmark sources, as plain links
            assert tag == "a" and (attrs["href"] or "").startswith("https://"), (tag, attrs)
        for name, value in attrs.items():
            if name not in ("href", "src"):
                assert "http" not in (value or ""), (tag, name, value)
    csp = [a for t, a in parser.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    lower = page.lower()
    assert "<script" not in lower and "<link" not in lower and "@import" not in lower
    assert "url(" not in lower  # no CSS fetches either


def test_html_is_laid_out_for_a4(page: str) -> None:
    assert "@page { size: A4" in page
    assert "break-before: page" in page
    assert page.count("<section") == 1 + 6 + 1  # the front page, six sections, assumptions
    assert page.count("<img ") == 12


# -- Excel -------------------------------------------------------------------------------------


def _cells(book: openpyxl.Workbook):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def test_xlsx_has_a_sheet_per_section(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Report", "Scorecard", "Funnel", "Leading vs lagging", "Benchmarks", "Targets",
        "Change log", "Assumptions", "Charts",
    ]  # fmt: skip


@pytest.mark.parametrize("text", [*RISKY.values(), FORMULA_HEADER, "=1+1 at the March review"])
def test_xlsx_writes_formula_like_text_as_text(book: openpyxl.Workbook, text: str) -> None:
    # A carriage return is stored as _x000D_ (the OOXML escape Excel reads back as CR).
    stored = text.replace("\r", "_x000D_")
    found = [(sheet, c) for sheet, c in _cells(book) if c.value in (text, stored)]
    assert found, f"{text!r} is not in the workbook"
    for sheet, cell in found:
        assert cell.data_type == "s", (sheet, cell.coordinate)
        assert cell.quotePrefix, (sheet, cell.coordinate)


def test_xlsx_has_no_formula_at_all(book: openpyxl.Workbook) -> None:
    formulas = [(s, c.coordinate, c.value) for s, c in _cells(book) if c.data_type == "f"]
    assert formulas == []


def test_xlsx_writes_numbers_with_formats(book: openpyxl.Workbook, mapped) -> None:
    _, _, raw = mapped
    ws = book["Scorecard"]
    header = next(r for r in ws.iter_rows() if r[0].value == "KPI")
    assert all(c.font.b for c in header if c.value)
    columns = {c.value: c.column for c in header}
    rows = {r[0].value: r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value}
    value_col = columns["Value"] - 1

    revenue = rows["Revenue"][value_col]
    assert revenue.data_type == "n"
    assert revenue.value == pytest.approx(_october_total(raw, "Omsætning (kr.)"))
    assert revenue.number_format == '#,##0 "kr."'
    leads = rows["Leads"][value_col]
    assert (leads.value, leads.number_format) == (_october_total(raw, "Leads"), "#,##0")
    ttl = rows["Traffic to lead (TTL)"][value_col]
    assert ttl.data_type == "n" and 0 < ttl.value < 1 and ttl.number_format == "0.0%"
    assert rows["Cost per click"][value_col].number_format == '#,##0.00 "kr."'
    # Rates change in percentage points, the rest in per cent.
    change_col = columns["vs before"] - 1
    assert rows["Traffic to lead (TTL)"][change_col].number_format.startswith('+0.0" pp"')
    assert rows["Revenue"][change_col].number_format == "+0.0%;-0.0%;0.0%"


def test_xlsx_money_in_another_currency_says_so(book: openpyxl.Workbook) -> None:
    ws = book["Benchmarks"]
    usd = [c for _, c in _cells(book) if c.parent is ws and "USD" in str(c.number_format)]
    assert usd and all(c.data_type == "n" for c in usd)


def test_xlsx_charts_are_images(book: openpyxl.Workbook, report: Report) -> None:
    images = book["Charts"]._images
    assert len(images) == len(report.charts) == 12
    assert all(img._data()[:8] == PNG_MAGIC for img in images)


# -- Charts ------------------------------------------------------------------------------------


def test_charts_render_as_png_once(report: Report) -> None:
    pngs = report.chart_pngs()
    assert all(png is not None and png[:8] == PNG_MAGIC for _, png in pngs)
    again = report.chart_pngs()
    assert all(a is b for (_, a), (_, b) in zip(pngs, again, strict=True))  # cached


def test_charts_zip_holds_one_png_per_chart(report: Report) -> None:
    with zipfile.ZipFile(io.BytesIO(export.charts_zip(report))) as zf:
        names = zf.namelist()
        assert len(names) == len(set(names)) == len(report.charts)
        assert names[0] == "01-revenue-per-month.png"
        assert all(n.endswith(".png") and zf.read(n)[:8] == PNG_MAGIC for n in names)


def test_a_chart_may_not_fetch_data() -> None:
    spec = {
        "data": {"url": "https://example.org/data.json"},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="not allowed"):
        export.chart_png(spec)


# -- Safe text and writing files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Google Ads", "Google Ads"),
        (" =1+1", " =1+1"),  # only the first character counts
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (12.5, "12.5"),
    ],
)
def test_safe_text(value: object, expected: str) -> None:
    assert safe_text(value) == expected
    assert export.is_risky(str(value or "")) == (expected != str(value or ""))


@pytest.mark.parametrize("name", ["report.pdf", "REPORT.PDF"])
def test_pdf_is_refused_with_the_way_to_make_one(report: Report, tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="print it to PDF from a browser"):
        export.write_report(report, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_suffix_is_refused(report: Report, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.xlsx .*\.html .*\.zip"):
        export.write_report(report, tmp_path / "report.docx")


def test_write_report_picks_the_format_from_the_suffix(report: Report, tmp_path: Path) -> None:
    html = export.write_report(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    xlsx = export.write_report(report, tmp_path / "r.xlsx").read_bytes()
    assert xlsx[:2] == b"PK" and openpyxl.load_workbook(io.BytesIO(xlsx)).sheetnames[0] == "Report"
    assert zipfile.is_zipfile(export.write_report(report, tmp_path / "charts.zip"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts.zip", "r.html", "r.xlsx"]
    with pytest.raises(InputError, match="no folder"):
        export.write_report(report, tmp_path / "missing" / "r.html")


# -- Data that cannot support every section ------------------------------------------------------


def _daily(**columns: list[float]) -> pl.DataFrame:
    days = [
        dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(len(next(iter(columns.values()))))
    ]
    return pl.DataFrame({"date": days, **columns})


def test_sessions_and_leads_only_note_what_is_left_out() -> None:
    n = 400
    data = _daily(
        sessions=[100.0 + i % 30 for i in range(n)], leads=[2.0 + i % 5 for i in range(n)]
    )
    report = build_report(
        data, source="small.csv", mapping={"Dag": "date", "Besøg": "sessions", "Leads": "leads"}
    )
    assert report.sections() == ["scorecard", "funnel", "benchmarks"]
    notes = dict(report.notes)
    assert "result (such as revenue" in notes["Leading vs lagging"]
    assert notes["Targets and pacing"] == "Left out: no targets were given."
    assert report.scorecard is not None
    assert set(report.scorecard["kpi_id"]) == {"sessions", "leads", "traffic_to_lead"}
    page = export.to_html(report)
    assert "Not in this report" in page and "Leading vs lagging: Left out" in page
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(report)))
    assert "Leading vs lagging" not in book.sheetnames and "Scorecard" in book.sheetnames


def test_no_dates_no_funnel_still_makes_a_report() -> None:
    data = pl.DataFrame({"sessions": [100.0, 200.0]})
    report = build_report(data, source="x.csv", mapping={"Besøg": "sessions"}, targets=())
    assert report.sections() == []
    assert report.period_label is None and report.when == "all rows (no dates)"
    notes = dict(report.notes)
    assert "no column is mapped to Date" in notes["Scorecard"]
    assert "at least two stages" in notes["Funnel"]
    page = export.to_html(report)
    assert "Not in this report" in page
    assert openpyxl.load_workbook(io.BytesIO(export.to_xlsx(report))).sheetnames == [
        "Report", "Assumptions", "Charts"
    ]  # fmt: skip


def test_bad_choices_are_errors_not_notes(mapped) -> None:
    data, mapping, _ = mapped
    with pytest.raises(InputError, match="no period 2031-01"):
        build_report(data, source="s", mapping=mapping, at="2031-01")
    with pytest.raises(InputError, match="is a quarter, but the report is per month"):
        build_report(data, source="s", mapping=mapping, at="2026-Q1")
    with pytest.raises(InputError, match="no channel ‘TikTok’"):
        build_report(data, source="s", mapping=mapping, channel="TikTok")
    with pytest.raises(InputError, match="Unknown KPI"):
        build_report(data, source="s", mapping=mapping, kpis=["nope"])


def test_one_channel_and_a_quarter(mapped) -> None:
    data, mapping, _ = mapped
    report = build_report(
        data, source="s", mapping=mapping, period="quarter", at="2026-Q3", channel="google ads"
    )
    assert ("Channel", "Google Ads") in report.filters
    assert report.when == "Q3 2026"
    assert report.scorecard is not None
    quarter = data.filter(
        (pl.col("channel") == "Google Ads")
        & pl.col("date").is_between(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    )
    revenue = report.scorecard.filter(pl.col("kpi_id") == "revenue")["value"].item()
    assert revenue == pytest.approx(quarter["revenue"].sum())
    # Eight quarters are too few to find a lead: the section says so instead of a blank table.
    assert "leadlag" not in report.sections()
    assert "Too few quarters" in dict(report.notes)["Leading vs lagging"]


# -- In the reader's language -------------------------------------------------------------------

TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(scope="module")
def in_language(mapped) -> dict[str, Report]:
    """The sample's report in Danish (DKK) and Swedish (SEK), charts drawn as a tiny PNG."""
    data, mapping, _ = mapped
    targets = load_targets(TARGETS.read_text(encoding="utf-8"), source="targets.json")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export, "chart_png", lambda chart, **_: TINY_PNG)
        for lang, currency in (("da", "DKK"), ("sv", "SEK")):
            changes = export.changes_frame(
                [_revenue_target_raised(targets[0].id, note="")],
                locale=lang,
                currency=currency,
            )
            report = build_report(
                data,
                source="nordlys_marketing.xlsx",
                mapping=mapping,
                targets=targets,
                changes=changes,
                today=dt.date(2026, 11, 15),
                locale=lang,
                currency=currency,
            )
            report.chart_pngs()  # rendered (tiny) while the patch holds
            out[lang] = report
    return out


def test_a_danish_html_report_speaks_danish(in_language: dict[str, Report], mapped) -> None:
    _, _, raw = mapped
    report = in_language["da"]
    page = export.to_html(report)
    assert '<html lang="da">' in page
    assert report.title == "KPI-rapport" and report.when == "oktober 2026"
    for heading in ("Scorekort", "Tragt", "Førende og bagudskuende", "Mål og tempo",
                    "Ændringslog", "Forudsætninger"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page
    assert "<th>KPI</th><th>Fase</th><th>Rolle</th>" in page
    assert "<dt>Periode:</dt> <dd>oktober 2026</dd>" in page
    assert "<dd>alle kanaler</dd>" in page
    # Numbers as a Dane writes them: 1.234 and 1,5 %.
    leads = _october_total(raw, "Leads")
    assert f'<td class="num">{format_value(leads, "count", locale="da")}</td>' in page
    revenue = format_value(_october_total(raw, "Omsætning (kr.)"), "currency", locale="da")
    assert revenue.startswith("3.379.540") and revenue.endswith("kr.") and revenue in page
    assert "Omsætning pr. måned" in [t for t, _ in report.charts]
    # The change log: kind in words, the target in Danish with Danish money.
    assert report.changes is not None
    row = report.changes.row(0, named=True)
    assert row["kind"] == "mål ændret" and row["at"] == "1. marts 2026, 09:00 (UTC)"
    assert row["after"] == "Omsætning 56\xa0mio.\xa0kr. i 2026"
    assert "Data: nordlys_marketing.xlsx, 3.650 rækker dateret" in report.assumptions[0]
    # The caveats we wrote beside published figures, in Danish; citations as published.
    assert "Gengivet fra en leverandørrapport" in page
    assert "Secondary reproduction" not in page
    assert "First Page Sage" in page


def test_a_swedish_workbook_has_swedish_sheets(in_language: dict[str, Report]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(in_language["sv"])))
    assert book.sheetnames == [
        "Rapport", "Styrkort", "Tratt", "Ledande och släpande", "Jämförelsetal", "Mål",
        "Ändringslogg", "Antaganden", "Diagram",
    ]  # fmt: skip
    ws = book["Styrkort"]
    header = next(r for r in ws.iter_rows() if r[0].value == "KPI")
    columns = {c.value: c.column - 1 for c in header}
    assert {"Fas", "Roll", "Värde", "Förra året"} <= set(columns)
    rows = {r[0].value: r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value}
    assert rows["Intäkter"][columns["Värde"]].number_format == '#,##0 "kr"'
    assert rows["Kostnad per klick"][columns["Värde"]].number_format == '#,##0.00 "kr"'
    assert rows["Klickfrekvens"][columns["mot före"]].number_format.startswith('+0.0" %-enheter"')
    front = book["Rapport"]
    assert [c.value for c in front["A"][1:3]] == ["Data", "Period"]


def test_charts_carry_the_locale(in_language: dict[str, Report]) -> None:
    spec = in_language["da"].charts[0][1].to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["time"]["months"][2] == "marts"


@pytest.mark.parametrize(
    ("currency", "locale", "own", "expected"),
    [
        ("DKK", "da", "DKK", '#,##0 "kr."'),
        ("DKK", "en", "DKK", '#,##0 "kr."'),
        ("SEK", "sv", "SEK", '#,##0 "kr"'),
        ("EUR", "en", "EUR", '"€"#,##0'),
        ("EUR", "da", "EUR", '#,##0 "€"'),
        ("USD", "da", "DKK", '#,##0 "USD"'),  # a published figure in another currency
    ],
)
def test_money_formats_follow_currency_and_locale(
    currency: str, locale: str, own: str, expected: str
) -> None:
    assert export._money_format(currency, False, locale=locale, own=own) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", "‘r.docx’ er ikke et rapportformat, KPI Kompas skriver"),
        ("nb", "‘r.docx’ er ikke et rapportformat KPI Kompas skriver"),
        ("sv", "‘r.docx’ är inte ett rapportformat som KPI Kompas skriver"),
    ],
)
def test_errors_read_in_the_language(lang: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        export.check_suffix("r.docx")
    assert caught.value.text(lang).startswith(expected)


def test_a_left_out_section_says_so_in_danish() -> None:
    data = pl.DataFrame({"sessions": [100.0, 200.0]})
    report = build_report(data, source="x.csv", mapping={"Besøg": "sessions"}, locale="da")
    notes = dict(report.notes)
    assert notes["Scorekort"] == (
        "Udeladt: ingen kolonne er knyttet til Dato, så intet kan vises pr. periode."
    )
    assert report.when == "alle rækker (ingen datoer)"
    assert "<h3>Ikke med i denne rapport</h3>" in export.to_html(report)
