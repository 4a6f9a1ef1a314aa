"""The Targets page through AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core import i18n
from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/targets.py").run()


def _target_id(app: AppTest, kpi: str, period: str) -> str:
    targets = app.session_state["kk_targets"]
    return next(i for i, t in targets.items() if t.kpi == kpi and t.label == period)


def test_the_sample_targets_are_paced_and_checked(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    said = texts(app)
    assert "Of 5 targets:" in said
    # Leads 2026: 3,713 by 31 Oct against a seasonal plan of 3,874 to date.
    assert "**Leads: at risk.** 3,713 by 31 Oct 2026, 4 % behind plan" in said
    assert "**Specific.**" in said and "**Time-bound.**" in said
    table = app.dataframe[0].value
    assert list(table["KPI"]) == [
        "Leads",
        "Traffic to lead (TTL)",
        "Revenue",
        "Customer acquisition cost",
        "New customers",
    ]
    assert set(table["Status"]) <= {"on track", "at risk", "off track"}
    # Every annual target got quarterly steps that add up to it.
    for t in app.session_state["kk_targets"].values():
        if t.kind == "year" and t.additive:
            assert sum(s.value for s in t.steps) == t.value


def test_a_new_split_changes_the_steps_and_the_plan_to_date(app: AppTest) -> None:
    _open(app)
    leads = _target_id(app, "leads", "2026")
    app.selectbox(key="kk_tg_pick").set_value(leads).run()
    before = app.session_state["kk_targets"][leads].steps
    app.selectbox(key=f"kk_tg_method_{leads}").set_value("even").run()
    app.button(key=f"kk_tg_split_{leads}").click().run()
    assert not app.exception
    after = app.session_state["kk_targets"][leads].steps
    assert [s.value for s in after] == [1100.0] * 4 and after != before
    # Even quarters put 10/12 of 4,400 before November: 3,667 planned to date.
    assert "(3,667 planned to date)" in texts(app)


def test_editing_a_step_is_kept_and_a_gap_is_named(app: AppTest) -> None:
    _open(app)
    leads = _target_id(app, "leads", "2026")
    app.selectbox(key="kk_tg_pick").set_value(leads).run()
    editor_key = next(k for k in app.session_state.keys() if k.startswith(f"kk_tg_steps_{leads}_"))  # noqa: SIM118
    assert editor_key
    target = app.session_state["kk_targets"][leads]
    from kpi_core.targets import with_steps

    values = [s.value for s in target.steps]
    values[0] += 100
    app.session_state["kk_targets"][leads] = with_steps(target, values, into="quarter")
    app.run()
    assert not app.exception
    assert "100 more than the 2026 target of 4,400" in texts(app)


def test_adding_a_target_checks_it_against_smart(app: AppTest) -> None:
    _open(app)
    app.selectbox(key="kk_tg_new_kpi").set_value("sessions").run()
    app.selectbox(key="kk_tg_new_period").set_value("2026-Q4").run()
    value_key = "kk_tg_new_value_sessions_2026-Q4"
    # Last year's Q4 had 50,364 visits; four times that is far beyond any growth seen.
    app.number_input(key=value_key).set_value(200_000.0).run()
    app.button(key="kk_tg_add").click().run()
    assert not app.exception
    targets = app.session_state["kk_targets"]
    new = next(t for t in targets.values() if t.kpi == "sessions")
    assert new.value == 200_000 and new.label == "2026-Q4"
    assert app.session_state["kk_tg_pick"] == new.id
    said = texts(app)
    assert "far beyond" in said
    assert "Say which business goal it serves" in said


def test_deleting_the_last_target_shows_the_empty_state(app: AppTest) -> None:
    _open(app)
    for target_id in list(app.session_state["kk_targets"]):
        app.selectbox(key="kk_tg_pick").set_value(target_id).run()
        app.button(key=f"kk_tg_delete_{target_id}").click().run()
    assert not app.exception
    assert "No targets yet" in texts(app)


def test_a_crm_export_is_sent_to_the_funnel_page(app: AppTest) -> None:
    app.run()
    files = app.session_state["kk_files"]
    app.session_state["kk_active"] = next(k for k, f in files.items() if f.name == "crm_leads.csv")
    app.switch_page("pages/targets.py").run()
    assert not app.exception
    assert "CRM export with one row per lead" in texts(app)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "da",
            [
                "Af 5 mål:",
                "**Leads: i risiko.** 3.713 pr. 31. okt. 2026, 4 % bagud",
                "**Specifik.**",
            ],
        ),
        ("nb", ["Av 5 mål:", "**Leads: i faresonen.** 3\xa0713 per 31. okt. 2026", "**Målbart.**"]),
        (
            "sv",
            ["Av 5 mål:", "**Leads: i riskzonen.** 3\xa0713 per 31 okt. 2026", "**Tidsbundet.**"],
        ),
    ],
)
def test_the_page_speaks_the_session_language(app: AppTest, lang: str, words: list[str]) -> None:
    app.session_state["kk_lang"] = lang
    _open(app).run()  # a rerun reads the widgets back through their (translated) options
    assert not app.exception
    said = texts(app)
    for w in words:
        assert w in said, w
    table = app.dataframe[0].value
    assert i18n.t("targets.table.status", locale=lang) in table.columns
    assert set(table[i18n.t("targets.table.status", locale=lang)]) <= {
        i18n.t(f"targets.status.{s}", locale=lang) for s in ("on_track", "at_risk", "off_track")
    }
