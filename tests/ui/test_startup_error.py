"""Started from the desktop menu (no terminal to read), a refusal to start is shown in a window."""

import pytest


def test_started_from_the_menu_a_bad_config_is_shown_in_a_window(tmp_path, monkeypatch, qapp):
    import console.ui.startup_error as se
    from console.app.cli import main

    shown = []
    monkeypatch.setattr(se, "show_startup_error", shown.append)
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop session; pytest's stderr is no terminal
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.toml"
    bad.write_text('[ui]\nlanguage = "de"\n', encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["run", "--config", str(bad)])
    assert shown == [f"configuration error: {bad}:2: ui.language: must be one of zh, en, not 'de'"]
    with pytest.raises(SystemExit):
        main(["run", "--headless", "--config", str(bad)])
    assert len(shown) == 1  # no window headless
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["run", "--config", str(empty)])  # a config with no feeds, from the menu: said in a window too
    assert shown[1].startswith("no feed: give --feed URL, or [[feeds]]")
    box = se.startup_error_box(shown[0])
    assert box.informativeText() == shown[0] and "check-config" in box.text()
