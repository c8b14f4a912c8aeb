"""The console's calls reach the map page as messages on a QWebChannel, never as a script each: the page's
process kept native memory for every script it ran (docs/benchmarks.md, the wall's soak). In the real page,
offscreen: a stream of updates changes what the page shows while the bridge runs no script at all; an
answered call (the incident pieces) is answered; a hostile payload arrives as data."""

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from tests.frames_factory import event
from tests.ui.map_world import map_world, put
from tests.ui.page_js import js_value


def spot(i):
    return {"lat": 30.9 + (i % 20) * 0.02, "lon": 121.2 + (i // 20) * 0.02}


def test_updates_reach_the_page_without_a_script_per_call(qtbot, monkeypatch):
    state, view = map_world(qtbot)
    page = view.page()
    scripts: list[str] = []
    real = page.runJavaScript
    # every script the bridge runs is counted (and still run): the test's own reads go after the spy is gone
    monkeypatch.setattr(page, "runJavaScript", lambda script, *a: (scripts.append(script), real(script, *a))[1])
    sent = view.diffs_sent
    for k in range(5):
        put(state, view, *[event(f"C{i}", version=k + 1, severity=("red", "blue")[(i + k) % 2], location=spot(i))
                           for i in range(40)])
    put(state, view, *[event(f"C{i}", version=9, state="closed", location=spot(i)) for i in range(30)])
    view.set_freshness(True, "数据中断 3 分钟")
    qtbot.wait(500)
    monkeypatch.undo()
    assert view.diffs_sent > sent  # the calls were made ...
    assert scripts == []  # ... and none of them as a script
    qtbot.waitUntil(lambda: js_value(qtbot, view, "cityops.count()") == 10, timeout=10_000)
    assert js_value(qtbot, view, "cityops.popupText('C35') !== null && cityops.popupText('C5') === null") is True


def test_an_answered_call_is_answered_and_hostile_text_stays_data(qtbot):
    _, view = map_world(qtbot)
    hostile = '</script><img src=x onerror="document.title=\'pwned\'">"]);alert(1);//\u2028井盖'
    answers = []
    view.js("upsertIncidents", [{"id": "H1", "lat": 31.2, "lon": 121.45, "sev": "red", "title": hostile,
                                 "meta": "红色"}], answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    assert answers == [1]  # the page's answer: it holds one incident
    assert js_value(qtbot, view, "document.title") != "pwned"
    assert hostile in js_value(qtbot, view, "cityops.popupText('H1').text")
