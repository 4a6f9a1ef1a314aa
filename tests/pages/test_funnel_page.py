"""The Funnel page through AppTest: stage by stage, lead by lead, and its controls."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/funnel.py").run()


def test_the_sample_shows_the_planted_leak_and_key_rates(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    assert [h.value for h in app.header] == ["Stage by stage", "Lead by lead"]
    # The sample's planted leak: a shorter quote form from August 2026 lets more
    # unqualified leads in, so lead → MQL falls well below its usual level.
    assert any(
        "Lead → MQL fell to 43% in October 2026" in e.value and "biggest leak" in e.value
        for e in app.error
    )
    labels = [m.label for m in app.metric]
    assert labels == ["Traffic to lead (TTL)", "Lead to customer (LTC)"]
    assert all(m.delta.endswith(" pp") for m in app.metric)


def test_channels_and_lead_level_findings_are_said_in_words(app: AppTest) -> None:
    _open(app)
    said = texts(app)
    assert "**Henvisninger** turns the most leads into customers" in said
    assert "**Meta** the fewest" in said
    assert "a lead takes a median of **25 days** to buy" in said
    # Recent cohorts are open, not lost.
    assert "September 2026 and October 2026 are still open" in said
    assert "Undecided leads are not counted as lost" in said


def test_choosing_another_step_changes_the_sentence_under_the_chart(app: AppTest) -> None:
    _open(app)
    assert app.selectbox(key="kk_funnel_step").value == "lead_to_mql"
    app.selectbox(key="kk_funnel_step").set_value("traffic_to_lead").run()
    assert not app.exception
    assert "Session → lead in October 2026" in texts(app)


def test_the_period_in_the_sidebar_moves_the_funnel(app: AppTest) -> None:
    _open(app)
    app.session_state["kk_period_kind"] = "month"
    app.session_state["kk_period_at"] = "2026-07"
    app.run()
    assert not app.exception
    assert "The funnel in July 2026" in [s.value for s in app.subheader]
    # Nothing leaked in July 2026: the form change came in August.
    assert any("nothing leaks more than usual" in s.value for s in app.success)


def test_a_lead_column_can_be_changed(app: AppTest) -> None:
    _open(app)
    key = next(k for k in app.session_state.keys() if k.endswith("_channel"))  # noqa: SIM118
    app.selectbox(key=key).set_value("").run()
    assert not app.exception
    assert "No source or channel column is set" in texts(app)


def test_without_funnel_data_the_page_says_what_to_upload(app: AppTest) -> None:
    app.run()
    app.session_state["kk_files"] = {}
    app.switch_page("pages/funnel.py").run()
    assert not app.exception
    assert "A funnel needs at least two stages" in texts(app)


LEADS = (
    b"Lead-ID;Oprettet;Kilde;MQL dato;SQL dato\n"
    b"L1;01-09-2026;Google Ads;02-09-2026;05-09-2026\n"
    b"L2;01-09-2026;Meta;03-09-2026;\n"
    b"L3;02-09-2026;Meta;;\n"
    b"L4;03-09-2026;Google Ads;04-09-2026;06-09-2026\n"
)
DEALS = (
    "Deal;Lead;Vundet dato;Beløb\nD1;L1;21-09-2026;10.000,00\nD2;L4;13-09-2026;5.000,00\n"
).encode()


def test_two_files_joined_by_id_give_the_won_leads(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/data.py").run()
    app.file_uploader(key="kk_upload").set_value(("leads.csv", LEADS, "text/csv")).run()
    app.file_uploader(key="kk_upload").set_value(("deals.csv", DEALS, "text/csv")).run()
    files = app.session_state["kk_files"]
    leads_key = next(k for k, f in files.items() if f.name == "leads.csv")
    deals_key = next(k for k, f in files.items() if f.name == "deals.csv")
    app.switch_page("pages/funnel.py").run()
    app.selectbox(key="kk_funnel_crm").set_value(leads_key).run()
    app.selectbox(key=f"kk_deals_{leads_key}").set_value(deals_key).run()
    app.selectbox(key=f"kk_join_l_{leads_key}").set_value("Lead-ID").run()
    app.selectbox(key=f"kk_join_r_{leads_key}").set_value("Lead").run()
    assert not app.exception
    said = texts(app)
    # 4 leads, 2 won (L1 after 20 days, L4 after 10 days): 50 %, median 15 days.
    assert "2 deals matched a lead in leads.csv" in said
    assert "Of 4 leads, 50.0% became customers" in said
    assert "median of **15 days**" in said


def test_days_to_each_stage_are_shown_overall_and_by_cohort(app: AppTest) -> None:
    _open(app)
    tables = [df.value for df in app.dataframe]
    overall = next(t for t in tables if "From lead to" in t.columns)
    assert list(overall["From lead to"]) == ["Lead → MQL", "Lead → SQL", "Lead → customer"]
    cohorts = next(t for t in tables if "Leads from" in t.columns)
    # The month in words, as the language writes it (2026-10 is "October 2026").
    assert cohorts.iloc[0]["Leads from"] == "October 2026" and bool(cohorts.iloc[0]["Still open"])


def test_the_page_speaks_danish(app: AppTest) -> None:
    app.session_state["kk_lang"] = "da"
    _open(app)
    assert not app.exception
    assert [h.value for h in app.header] == ["Trin for trin", "Lead for lead"]
    assert any("Lead → MQL faldt til 43\xa0% i oktober 2026" in e.value for e in app.error)
    said = texts(app)
    assert "September 2026 og oktober 2026 er stadig åbne" in said
    assert "et lead er i mediant **25 dage** om at købe" in said
    tables = [df.value for df in app.dataframe]
    overall = next(t for t in tables if "Fra lead til" in t.columns)
    assert list(overall["Fra lead til"]) == ["Lead → MQL", "Lead → SQL", "Lead → kunde"]
