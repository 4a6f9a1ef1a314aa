"""The Customers page through AppTest."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/customers.py").run()


def test_the_sample_shows_retention_calls_satisfaction_and_a_test(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    said = texts(app)
    assert "customer lifetime value" in said
    assert re.search(r"\*\*[\d,]+ customers\*\* have neither ordered nor been contacted", said)
    assert "NPS in October 2026" in said and "CSAT in October 2026" in said
    assert "tickets got a first reply" in said
    assert "converts better than" in said
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Download the call list (CSV)" in labels


def test_a_longer_quiet_threshold_shortens_the_call_list(app: AppTest) -> None:
    _open(app)

    def listed() -> int:
        line = next(m.value for m in app.markdown if "have neither ordered" in m.value)
        return int(re.search(r"\*\*([\d,]+) customers", line).group(1).replace(",", ""))

    before = listed()
    app.number_input(key="kk_cu_quiet").set_value(12).run()
    assert not app.exception
    assert listed() < before


def test_a_shorter_lost_window_raises_churn(app: AppTest) -> None:
    _open(app)

    def churn() -> float:
        line = next(m.value for m in app.markdown if "became inactive" in m.value)
        return float(re.search(r"Each month ([\d.]+)%", line).group(1))

    long_window = churn()
    app.number_input(key="kk_cu_inactive").set_value(3).run()
    assert churn() > long_window


def test_an_ab_test_with_too_few_visitors_names_no_winner(app: AppTest) -> None:
    _open(app)
    app.session_state["kk_cu_ab"] = {
        "edited_rows": {
            0: {"Visitors": 40, "Conversions": 2},
            1: {"Visitors": 40, "Conversions": 5},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception
    said = texts(app)
    assert "converts better than" not in said
    assert "too few" in said.lower()


def test_without_order_or_survey_files_the_page_says_what_to_upload(app: AppTest) -> None:
    app.run()
    files = app.session_state["kk_files"]
    for key in [k for k, f in files.items() if f.name != "nordlys_marketing.xlsx"]:
        del files[key]
    app.switch_page("pages/customers.py").run()
    assert not app.exception
    said = texts(app)
    assert "Upload an order export on the Data page" in said
    assert "Upload survey answers" in said
