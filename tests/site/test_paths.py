"""Where files go: the OS's places by default, each moved by a flag, an environment variable or the
config file's [paths], in that order; `cityops paths` prints them."""

from pathlib import Path

import pytest

from console.app.cli import main
from console.site import paths

PLACES = ("layouts", "recordings", "journal", "logs")


@pytest.fixture
def home(tmp_path, monkeypatch):
    # platformdirs follows XDG: a fake home keeps the defaults inside the test's folder
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    for var in ("CITYOPS_DATA_DIR", "CITYOPS_CONFIG", *(v for _f, v in paths.OVERRIDES.values())):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_defaults_are_the_os_places(home):
    p = paths.resolve()
    assert p.config == home / "xdg_config_home" / "cityops" / "cityops.toml"
    assert p.layouts == home / "xdg_config_home" / "cityops" / "layouts"
    assert p.recordings == home / "xdg_data_home" / "cityops" / "recordings"
    assert p.journal == p.data == home / "xdg_data_home" / "cityops"
    assert p.logs.is_relative_to(home / "xdg_state_home" / "cityops")
    assert set(p.sources.values()) == {"default"}


def test_a_site_wide_config_is_read_when_the_user_has_none(home):
    site = home / "etc-xdg" / "cityops" / "cityops.toml"
    site.parent.mkdir(parents=True)
    site.write_text("", encoding="utf-8")
    assert paths.resolve().config == site
    user = home / "xdg_config_home" / "cityops" / "cityops.toml"
    user.parent.mkdir(parents=True)
    user.write_text("", encoding="utf-8")
    assert paths.resolve().config == user


def test_flag_beats_env_beats_config_beats_default(home, monkeypatch):
    configured = {k: home / "cfg" / k for k in PLACES}
    assert all(getattr(paths.resolve(configured=configured), k) == home / "cfg" / k for k in PLACES)
    for k in PLACES:
        monkeypatch.setenv(paths.OVERRIDES[k][1], str(home / "env" / k))
    p = paths.resolve(configured=configured)
    assert all(getattr(p, k) == home / "env" / k and p.sources[k] == "env" for k in PLACES)
    p = paths.resolve({k: home / "flag" / k for k in PLACES}, configured)
    assert all(getattr(p, k) == home / "flag" / k and p.sources[k] == "flag" for k in PLACES)
    monkeypatch.setenv("CITYOPS_CONFIG", str(home / "env.toml"))
    assert paths.resolve().config == home / "env.toml"
    assert paths.resolve({"config": home / "flag.toml"}).config == home / "flag.toml"


def test_cityops_data_dir_moves_every_writable_place(home, monkeypatch):
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(home / "portable"))
    p = paths.resolve()
    assert p.recordings == home / "portable" / "recordings" and p.logs == home / "portable" / "logs"
    assert p.journal == p.data == home / "portable" and p.layouts == home / "portable" / "layouts"
    assert p.config == home / "xdg_config_home" / "cityops" / "cityops.toml"  # the config stays the site's
    monkeypatch.setenv("CITYOPS_LOG_DIR", str(home / "elsewhere"))
    assert paths.resolve().logs == home / "elsewhere"  # a single place's override still wins


def test_cityops_paths_prints_them_with_their_source(home, monkeypatch, capsys):
    cfg = home / "site.toml"
    cfg.write_text(f'[paths]\nrecordings = "{home / "big-disk"}"\nlogs = "rel-logs"\n', encoding="utf-8")
    monkeypatch.setenv("CITYOPS_JOURNAL_DIR", str(home / "journal-env"))
    assert main(["paths", "--config", str(cfg), "--layouts-dir", str(home / "layouts-flag")]) == 0
    out = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert out["config"].split()[1] == str(cfg) and "(flag)" in out["config"]
    assert out["layouts"].split()[1] == str(home / "layouts-flag") and "(flag)" in out["layouts"]
    assert out["journal"].split()[1] == str(home / "journal-env") and "(env)" in out["journal"]
    assert out["recordings"].split()[1] == str(home / "big-disk") and "(config)" in out["recordings"]
    assert out["logs"].split()[1] == str(home / "rel-logs") and "(config)" in out["logs"]  # beside the file
    assert "resources" in out
    assert not (home / "big-disk").exists()  # printing places creates nothing


def test_a_folder_that_cannot_be_made_stops_the_start_with_its_name(home, capsys):
    blocker = home / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--headless", "--duration", "1", "--record-dir", str(blocker / "recordings")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot use {blocker / 'recordings'} for recordings (flag)" in err


def test_the_console_writes_where_the_places_say(home, monkeypatch, tmp_path):
    from console.app.cli import _prepare, build_parser

    args = build_parser().parse_args(["demo", "--journal-dir", str(home / "j"), "--log-dir", str(home / "l"),
                                      "--record-dir", str(home / "r"), "--layouts-dir", str(home / "w")])
    _prepare(args)
    p = paths.active()
    assert (p.journal, p.logs, p.recordings, p.layouts) == (home / "j", home / "l", home / "r", home / "w")
    assert all(Path(x).is_dir() for x in (home / "j", home / "l", home / "r", home / "w"))
    assert (home / "l" / "cityops.log").exists()
