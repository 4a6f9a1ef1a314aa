"""The Data page through AppTest: upload, how the file was read, mapping."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts

NORDIC_CSV = (
    "Dato;Kanal;Besøg;Leads;Nye kunder;Omsætning (kr.)\n"
    "01-10-2026;Google Ads;1.500;60;9;45.250,50\n"
    "15-10-2026;Meta;1.000;25;3;15.000,00\n"
    "I alt;;2.500;85;12;60.250,50\n"
).encode("utf-8-sig")


def _open_data(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/data.py").run()


def test_shows_the_sample_file_as_read(app: AppTest) -> None:
    _open_data(app)
    assert not app.exception
    said = texts(app)
    assert "nordlys_marketing.xlsx" in said
    assert "sheet **Marketing dagligt**" in said
    assert [s.value for s in app.subheader][:2] == ["Which column is what", "Rows per month"]
    sheet = app.selectbox(key=next(k for k in _keys(app) if k.startswith("kk_sheet_")))
    assert "Marketing dagligt" in sheet.options and "Budget 2026" in sheet.options


def _keys(app: AppTest) -> list[str]:
    return list(app.session_state.keys())


def test_upload_a_nordic_csv(app: AppTest) -> None:
    _open_data(app)
    app.file_uploader(key="kk_upload").set_value(("salg.csv", NORDIC_CSV, "text/csv")).run()
    assert not app.exception
    assert_state_pickles(app)
    said = texts(app)
    assert "**salg.csv**: header in row 1, **2 rows**" in said
    assert "separated by semicolons, with decimal commas" in said
    # The total row is reported, not silently dropped.
    assert any("left out" in e.label for e in app.expander)


def test_a_bad_upload_names_the_file_and_keeps_the_rest(app: AppTest) -> None:
    _open_data(app)
    before = set(app.session_state["kk_files"])
    app.file_uploader(key="kk_upload").set_value(("rapport.xlsx", b"", "application/x")).run()
    assert not app.exception
    assert any("rapport.xlsx" in e.value for e in app.error)
    assert set(app.session_state["kk_files"]) == before


def test_changing_the_sheet_rereads_the_file(app: AppTest) -> None:
    _open_data(app)
    key = next(k for k in _keys(app) if k.startswith("kk_sheet_"))
    app.selectbox(key=key).set_value("Budget 2026").run()
    assert not app.exception
    said = texts(app)
    assert "sheet **Budget 2026**" in said
    assert "Months were columns" in said


def test_a_mapping_change_reaches_the_overview(app: AppTest) -> None:
    _open_data(app)
    app.file_uploader(key="kk_upload").set_value(("salg.csv", NORDIC_CSV, "text/csv")).run()
    active = app.session_state["kk_active"]
    file = app.session_state["kk_files"][active]
    # Unmap revenue: the revenue KPI disappears from the Overview.
    file.mapping = {"Dato": "date", "Kanal": "channel", "Besøg": "sessions", "Leads": "leads"}
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert "Revenue" not in labels and "Leads" in labels
