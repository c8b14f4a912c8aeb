"""The flags Chromium (the map's Qt WebEngine) starts with: the map page's young JavaScript generation is
capped (a page under a steady stream of calls otherwise grows its private memory by tens of MB, measured in
docs/benchmarks.md), and a site's own V8 flags win over ours."""

import os

from console.ui.gui_app import prepare_env


def test_the_map_page_starts_with_its_young_generation_capped(monkeypatch):
    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    prepare_env()
    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    assert "--js-flags=--max-semi-space-size=1" in flags
    assert "--disable-gpu" in flags


def test_a_sites_own_v8_flags_are_kept_and_ours_not_added(monkeypatch):
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--js-flags=--max-old-space-size=512")
    prepare_env()
    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    assert [f for f in flags if f.startswith("--js-flags")] == ["--js-flags=--max-old-space-size=512"]
