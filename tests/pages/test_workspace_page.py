"""Workspaces through AppTest: saved as the user works, back in a new session, never mixed up."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from kpi_core.store import Store
from tests.pages.conftest import ROOT, assert_state_pickles, texts, use_navigation


def _session(home: Path, *, ws: str | None = None) -> AppTest:
    """A new browser session (a refresh, or a restarted server) on the same machine."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if ws:
        at.query_params["ws"] = ws
    return at


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_navigation(monkeypatch)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KPI_KOMPAS_HOME", str(tmp_path))
    previous = config.get_option("runner.enforceSerializableSessionState")
    config.set_option("runner.enforceSerializableSessionState", False)
    yield tmp_path
    config.set_option("runner.enforceSerializableSessionState", previous)


def _targets(at: AppTest) -> dict:
    return at.session_state["kk_targets"]


def test_a_first_visit_opens_a_saved_copy_of_the_sample(home: Path) -> None:
    at = _session(home)
    at.run()
    assert not at.exception
    assert_state_pickles(at)
    entries = Store(home / "kompas.sqlite3").list()
    assert [e.name for e in entries] == ["Nordlys Solenergi (sample)"]
    assert at.query_params["ws"] == entries[0].id
    assert len(_targets(at)) == 5


def test_a_changed_target_is_there_after_a_refresh(home: Path) -> None:
    at = _session(home)
    at.run()
    ws = at.query_params["ws"]
    at.switch_page("pages/targets.py").run()
    leads = next(i for i, t in _targets(at).items() if t.kpi == "leads")
    at.selectbox(key="kk_tg_pick").set_value(leads).run()
    at.button(key=f"kk_tg_delete_{leads}").click().run()
    assert leads not in _targets(at)
    # A refresh is a new session; the URL still names the workspace.
    again = _session(home, ws=ws)
    again.run()
    assert not again.exception
    assert leads not in _targets(again) and len(_targets(again)) == 4
    log = Store(home / "kompas.sqlite3").changes(ws)
    assert "target removed" in log["kind"].to_list()


def test_a_kpi_selection_and_a_mapping_come_back(home: Path) -> None:
    at = _session(home)
    at.run()
    key = next(k for k in at.session_state.keys() if k.startswith("kk_kpis_"))  # noqa: SIM118
    at.multiselect(key=key).set_value(["sessions", "leads", "revenue"]).run()
    at.switch_page("pages/funnel.py").run()  # the selection's widget is not on this page
    file = at.session_state["kk_files"][at.session_state["kk_active"]]
    file.mapping = {
        "Dato": "date",
        "Besøg": "sessions",
        "Leads": "leads",
        "Omsætning (kr.)": "revenue",
    }
    at.run()
    again = _session(home, ws=at.query_params["ws"])
    again.run()
    assert again.session_state[key] == ["sessions", "leads", "revenue"]
    restored = again.session_state["kk_files"][again.session_state["kk_active"]]
    assert restored.mapping == {
        "Dato": "date",
        "Besøg": "sessions",
        "Leads": "leads",
        "Omsætning (kr.)": "revenue",
    }
    assert restored.data == file.data


def test_two_tabs_on_one_workspace_do_not_overwrite_each_other(home: Path) -> None:
    first, second = _session(home), None
    first.run()
    ws = first.query_params["ws"]
    second = _session(home, ws=ws)
    second.run()
    first.switch_page("pages/workspace.py").run()
    first.text_area(key="kk_ws_notes_editor").input("Decided in tab one").run()
    second.switch_page("pages/workspace.py").run()
    second.text_area(key="kk_ws_notes_editor").input("Decided in tab two").run()
    second.run()  # the conflict is shown at the top of the next run
    assert not second.exception
    said = texts(second)
    assert "Your last change was not saved" in said and "another" in said
    stored = Store(home / "kompas.sqlite3")
    assert stored.load(ws).notes == "Decided in tab one"
    # Nothing typed in tab two is lost: it becomes a workspace of its own.
    second.button(key="kk_ws_keep_mine").click().run()
    assert not second.exception
    copy = next(e for e in stored.list() if e.name.endswith("(my copy)"))
    assert stored.load(copy.id).notes == "Decided in tab two"
    assert second.query_params["ws"] == copy.id


def test_a_link_to_another_users_workspace_opens_your_own(home: Path) -> None:
    other = Store(home / "kompas.sqlite3", owner="someone@else.example")
    theirs = (
        other.save(other.create("Their client").__class__(id="x", name="x"), expected_revision=0)
        if False
        else other.create("Their client")
    )
    at = _session(home, ws=theirs.id)
    at.run()
    assert not at.exception
    assert at.query_params["ws"] != theirs.id
    assert "does not exist (or is not yours)" in texts(at)
    assert at.session_state["kk_ws_name"] == "Nordlys Solenergi (sample)"


def test_create_rename_duplicate_delete_and_restore(home: Path) -> None:
    at = _session(home)
    at.run()
    at.switch_page("pages/workspace.py").run()
    sample = at.query_params["ws"]
    at.text_input(key="kk_ws_new_name").input("Bager Hansen").run()
    at.button(key="kk_ws_create").click().run()
    assert not at.exception
    stored = Store(home / "kompas.sqlite3")
    new = next(e for e in stored.list() if e.name == "Bager Hansen")
    assert at.query_params["ws"] == new.id and at.session_state["kk_targets"] == {}
    at.text_input(key="kk_ws_rename_to").input("Bageriet Hansen ApS").run()
    at.button(key="kk_ws_rename").click().run()
    assert stored.load(new.id).name == "Bageriet Hansen ApS"
    at.checkbox(key="kk_ws_delete_sure").check().run()
    at.button(key="kk_ws_delete").click().run()
    assert not at.exception
    assert [d.id for d in stored.deleted()] == [new.id]
    assert at.query_params["ws"] == sample  # the latest remaining one opens
    at.button(key=f"kk_ws_restore_{new.id}").click().run()
    assert new.id in [e.id for e in stored.list()]
    at.text_input(key="kk_ws_copy_name").input("Template").run()
    at.button(key="kk_ws_duplicate").click().run()
    copy = next(e for e in stored.list() if e.name == "Template")
    assert len(stored.load(copy.id).targets) == 5


def test_a_bad_import_says_so_and_changes_nothing(home: Path) -> None:
    at = _session(home)
    at.run()
    at.switch_page("pages/workspace.py").run()
    stored = Store(home / "kompas.sqlite3")
    before = stored.list()
    # AppTest has no file uploader driver: call the page's own import path.
    from kpi_core.issues import InputError

    with pytest.raises(InputError, match=r"not a KPI Kompas workspace file|not a zip"):
        stored.import_bytes(b"PK\x03\x04 truncated")
    assert stored.list() == before
    exported = stored.export_bytes(at.query_params["ws"])
    imported = stored.import_bytes(exported, name="On the other laptop")
    assert len(imported.targets) == 5 and imported.id != at.query_params["ws"]


def test_the_report_and_export_downloads_are_offered(home: Path) -> None:
    at = _session(home)
    at.run()
    at.switch_page("pages/workspace.py").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Excel workbook",
        "Printable page (HTML, print to PDF)",
        "Charts as PNG (zip)",
        "Export this workspace",
    ]


def test_behind_a_proxy_a_request_without_its_user_header_is_stopped(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_KOMPAS_USER_HEADER", "X-Forwarded-Email")
    at = _session(home)
    at.run()
    assert not at.exception
    assert "did not come through it" in " ".join(e.value for e in at.error)
    # Nothing was opened or saved for an unknown user.
    assert Store(home / "kompas.sqlite3", owner="local").list() == []


def test_steps_the_app_sets_on_its_own_say_so_in_the_change_log(home: Path) -> None:
    at = _session(home)
    at.run()
    at.switch_page("pages/targets.py").run()
    log = Store(home / "kompas.sqlite3").changes(at.query_params["ws"])
    automatic = log.filter(log["kind"] == "target changed")
    assert automatic.height == 5
    assert set(automatic["note"]) == {"Steps set by the app, following last year's seasons."}


@pytest.mark.parametrize(
    ("lang", "labels", "heading"),
    [
        ("da", ["Excel-projektmappe", "Eksportér dette arbejdsområde"], "Hvad er ændret"),
        ("nb", ["Excel-arbeidsbok", "Eksporter dette arbeidsområdet"], "Hva er endret"),
        ("sv", ["Excel-arbetsbok", "Exportera den här arbetsytan"], "Vad som ändrats"),
    ],
)
def test_the_page_speaks_the_users_language(
    home: Path, lang: str, labels: list[str], heading: str
) -> None:
    at = _session(home)
    at.session_state["kk_lang"] = lang
    at.run()
    at.switch_page("pages/workspace.py").run()
    assert not at.exception
    shown = [b.proto.label for b in at.get("download_button")]
    assert shown[0] == labels[0] and shown[-1] == labels[1]
    assert heading in [h.value for h in at.subheader]
    # The change log's kinds are in words of the language.
    log = at.dataframe[1].value
    assert log.columns[1] == {"da": "Hvad", "nb": "Hva", "sv": "Vad"}[lang]
    assert {"da": "Mål tilføjet", "nb": "Mål lagt til", "sv": "Mål tillagt"}[lang] in set(
        log.iloc[:, 1]
    )
