"""The real flow in a real browser: open, upload, map, visit every page, reload."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

# A Danish shop's monthly export: `;`, decimal commas, thousands dots, dd-mm-yyyy, a total row.
NORDIC_CSV = (
    "Dato;Kanal;Besøg;Leads;Nye kunder;Omsætning (kr.);Annonceudgift (kr.)\n"
    "01-09-2026;Google Ads;1.200;48;6;30.000,00;4.500,50\n"
    "15-09-2026;Meta;800;20;2;12.500,00;2.000,00\n"
    "01-10-2026;Google Ads;1.500;60;9;45.250,50;5.000,00\n"
    "15-10-2026;Meta;1.000;25;3;15.000,00;2.500,00\n"
    "I alt;;4.500;153;20;102.750,50;14.000,50\n"
).encode("utf-8-sig")


def wait_idle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    # Charts draw after the script ends: give Vega a moment, then wait for any canvas.
    page.wait_for_timeout(800)
    charts = page.locator("[data-testid='stVegaLiteChart'], [data-testid='stMetric'] canvas")
    if charts.count():
        charts.first.wait_for(state="visible")
    page.wait_for_timeout(700)


def assert_no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.inner_text("body")


def goto_page(page, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    wait_idle(page)


def test_open_upload_map_and_visit_every_page(page, app_url, screenshots, tmp_path):
    # Nothing leaves the machine: every request the browser makes goes to the app.
    elsewhere: list[str] = []
    host = app_url.split("//", 1)[1]
    page.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if r.url.split("//", 1)[-1].split("/", 1)[0] != host
            and not r.url.startswith(("data:", "blob:", "file:"))
            else None
        ),
    )
    # The first request to a fresh server is a deep link (a refresh after a restart):
    # the page still runs inside the app's frame, on the saved sample workspace.
    page.goto(f"{app_url}/targets")
    page.get_by_text("Of 5 targets:").wait_for()
    wait_idle(page)
    assert page.locator("[data-testid='stSidebar']").get_by_text("KPI Kompas").count() == 1
    assert_no_exception(page)

    page.goto(app_url)
    wait_idle(page)
    # A newcomer lands on a real dashboard: the sample workspace's scorecard.
    metrics = page.locator("[data-testid='stMetric']")
    metrics.nth(5).wait_for()
    wait_idle(page)
    assert metrics.count() >= 6
    assert_no_exception(page)
    page.screenshot(path=screenshots / "overview-sample.png", full_page=True)

    goto_page(page, "Funnel")
    page.get_by_text("the biggest leak in the funnel").wait_for()
    page.get_by_text("Conversion by the month leads came in").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "funnel-sample.png", full_page=True)

    goto_page(page, "Leading vs lagging")
    page.get_by_text("move about 1 month before revenue").first.wait_for()
    page.get_by_text("Marketing and sales alignment").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "lead-lag-sample.png", full_page=True)

    goto_page(page, "Benchmarks")
    page.get_by_text("is worse than the benchmark band").first.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "benchmarks-sample.png", full_page=True)

    goto_page(page, "Targets")
    page.get_by_text("Of 5 targets:").wait_for()
    page.get_by_text("Is it SMART?").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "targets-sample.png", full_page=True)

    # Change a target (the leads target, shared evenly over the quarters), reload: it stays.
    main = page.locator("[data-testid='stMain']")
    main.locator("[data-testid='stSelectbox']").filter(has_text="How").click()
    page.get_by_role("option", name="Evenly").click()
    wait_idle(page)
    page.mouse.move(0, 0)  # away from the list, so nothing covers the button
    main.get_by_role("button", name="Split", exact=True).click()
    page.get_by_text("(3,667 planned to date)").first.wait_for()
    wait_idle(page)
    page.reload()
    wait_idle(page)
    page.get_by_text("(3,667 planned to date)").first.wait_for()
    assert_no_exception(page)
    page.screenshot(path=screenshots / "targets-after-reload.png", full_page=True)

    goto_page(page, "What if")
    finding = page.get_by_text("To reach", exact=False).first
    finding.wait_for()
    before = finding.inner_text()
    # Moving a rate slider reruns the plan (only its fragment) and changes what it needs.
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(20):
        slider.press("ArrowRight")
    page.wait_for_function(
        "(before) => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
        ".some(e => e.innerText.startsWith('To reach') && e.innerText !== before)",
        arg=before,
    )
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "what-if-sample.png", full_page=True)

    goto_page(page, "Workspace")
    page.get_by_text("A report to keep").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "workspace-sample.png", full_page=True)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Printable page (HTML, print to PDF)").click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    html = report.read_text(encoding="utf-8")
    assert "Nordlys Solenergi (sample)" in html and "First Page Sage" in html
    viewer = page.context.new_page()
    viewer.goto(report.as_uri())
    viewer.wait_for_timeout(500)
    viewer.screenshot(path=screenshots / "report-html.png", full_page=True)
    viewer.close()

    goto_page(page, "Data")
    page.get_by_text("Which column is what").wait_for()
    assert_no_exception(page)
    page.screenshot(path=screenshots / "data-sample.png", full_page=True)

    csv_path = tmp_path / "salg_sept_okt.csv"
    csv_path.write_bytes(NORDIC_CSV)
    page.locator("input[type='file']").set_input_files(str(csv_path))
    page.get_by_text("salg_sept_okt.csv: header in row 1").wait_for(timeout=60_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "5 rows" not in body  # the total row was left out
    assert "4 rows" in body
    assert_no_exception(page)
    page.screenshot(path=screenshots / "data-nordic-csv.png", full_page=True)

    goto_page(page, "Overview")
    body = page.inner_text("[data-testid='stMain']")
    # A new file opens on its latest complete month: September 2026 (October stops on the
    # 15th). Revenue 30,000.00 + 12,500.00 = 42,500 kr.; 6 + 2 = 8 new customers;
    # TTL (48 + 20) / (1,200 + 800) = 3.4 %.
    assert "In September 2026, revenue was DKK42,500" in body
    assert "New customers\n\n8\n" in body
    assert "3.4%" in body
    assert_no_exception(page)
    page.screenshot(path=screenshots / "overview-nordic-csv.png", full_page=True)

    # Quarters instead of months: the whole page follows.
    page.locator("[data-testid='stSidebar']").get_by_text("Quarter", exact=True).click()
    wait_idle(page)
    assert_no_exception(page)
    assert "Q3 2026" in page.inner_text("body") or "Q4 2026" in page.inner_text("body")

    goto_page(page, "Data")
    workbook = ROOT / "sample_data" / "nordlys_marketing.xlsx"
    page.locator("input[type='file']").set_input_files(str(workbook))
    wait_idle(page)
    page.get_by_text("Which column is what").wait_for()
    assert_no_exception(page)

    page.reload()
    wait_idle(page)
    assert_no_exception(page)
    page.screenshot(path=screenshots / "after-reload.png", full_page=True)
    assert elsewhere == []
