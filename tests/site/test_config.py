"""The site's TOML config: every mistake is named by file, line and key; tokens never come from the file."""

import os
from pathlib import Path

import pytest

from console.incidents.operator import Role
from console.privacy.scrub import SCRUB
from console.site.config import Config, ConfigError, key_lines, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "packaging" / "cityops.example.toml"


def error(text: str, env: dict | None = None, path: Path = Path("/etc/cityops/cityops.toml")) -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, path, env or {})
    return exc.value


def test_the_shipped_example_is_valid_and_documented():
    cfg = load_config(EXAMPLE, env={"CITYOPS_FEED_TOKEN": "example-token-1"})
    assert cfg.role is Role.DUTY_OFFICER
    assert cfg.feeds[0].token == "example-token-1" and cfg.feeds[0].token_source == "env CITYOPS_FEED_TOKEN"
    assert cfg.role_options(Role.LEADER).overrides() == {"emergency": True}
    assert cfg.role_options(Role.DUTY_OFFICER).overrides() == {"unmask_personal": False}
    assert cfg.role_options(Role.ANALYST).overrides() == {} and cfg.role_options(Role.ANALYST).layout is None
    # the site's permissions laid over the shipped policy: one merge for the console and for export
    assert cfg.role_policy(Role.LEADER).emergency and not cfg.role_policy(Role.LEADER).actions
    assert cfg.role_policy() == cfg.role_policy(Role.DUTY_OFFICER) and cfg.role_policy().actions
    assert parse_config('[roles.analyst]\nexport = false\n', None, {}).role_policy(Role.ANALYST).export is False
    assert cfg.retention_days == 30 and cfg.log_backups == 5
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for table in ("[operator]", "[roles.", "[[feeds]]", "[map]", "[sla]", "[rules]", "[recording]", "[logging]",
                  "[ui]", "[paths]", "[scope]"):
        assert table in documented
    assert cfg.scope == "310000"  # the city's console unless the site says otherwise


def test_a_scope_names_a_district_or_a_street_centre():
    assert parse_config('[scope]\nregion = "310104"\n', None, {}).scope == "310104"  # 徐汇区
    assert parse_config('[scope]\nregion = "310104014"\n', None, {}).scope == "310104014"  # one of its streets
    assert parse_config("", None, {}).scope == "310000"


def test_no_file_means_the_defaults(tmp_path):
    assert load_config(tmp_path / "none.toml") == Config()
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "none.toml", must_exist=True)


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ('[operator]\nrole = "boss"\n', 2, "operator.role", "duty_officer, leader, analyst"),
    ('[operator]\nname = "x"\n\n[[feeds]]\nname = "a"\nurl = "ws://a"\n\n[[feeds]]\nurl = "http://b"\n', 9,
     "feeds[1].url", "ws://"),
    ('[map]\n# tiles\ntile_url = 3\n', 3, "map.tile_url", "must be a string"),
    ('[map]\ntile_url = "http://t/{z}/{x}.png"\n', 2, "map.tile_url", "{z}, {x} and {y}"),
    ('[recording]\nenabled = true\nretention_days = -1\n', 3, "recording.retention_days", "at least"),
    ('[roles.leader]\nunmask_personal = "yes"\n', 2, "roles.leader.unmask_personal", "true or false"),
    ('[roles.mayor]\nactions = true\n', 1, "roles.mayor", "unknown key"),
    ('[roles.analyst]\nexport = true\nunmask_personal_data = true\n', 3, "roles.analyst.unmask_personal_data",
     "known here: actions, export, unmask_personal, emergency, layout"),
    ('[roles.leader]\nlayout = "missing.ini"\n', 2, "roles.leader.layout", "no such file"),
    ('[logging]\nlevel = "INFO"\nbacksups = 3\n', 3, "logging.backsups", "unknown key"),
    ('[ui]\nlanguage = "fr"\n', 2, "ui.language", "zh, en"),
    ('colour = "red"\n', 1, "colour", "unknown key"),
    ('[[feeds]]\nname = "a"\n', 1, "feeds[0]", "needs url"),
    ('[[feeds]]\nname = "a"\nurl = "ws://a"\n[[feeds]]\nname = "a"\nurl = "ws://b"\n', 5, "feeds[1].name", "unique"),
    ('[[feeds]]\nurl = "wss://a/ws?token=s3cret"\n', 2, "feeds[0].url", "token in the URL"),
    ('[sla]\nfile = "nowhere.json"\n', 2, "sla.file", "no such file"),
    ('[scope]\n\nregion = 310104\n', 3, "scope.region", "must be a string"),
    ('[scope]\nregion = "徐汇"\n', 2, "scope.region", "6-digit district code"),
    ('[scope]\nregion = "3101040"\n', 2, "scope.region", "9-digit street/town code"),
    ('[scope]\nregion = "320104"\n', 2, "scope.region", "not a Shanghai code"),
    ('[scope]\nregion = "310199"\n', 2, "scope.region", "not a region of resources/shanghai/regions.json"),
    ('[scope]\nregion = "310104999"\n', 2, "scope.region", "not a region of"),
    ('[scope]\ndistrict = "310104"\n', 2, "scope.district", "known here: region"),
])
def test_a_bad_value_names_its_line_and_key(text, line, key, words):
    e = error(text)
    assert (e.line, e.key) == (line, key)
    assert words in str(e)
    assert str(e).startswith(f"/etc/cityops/cityops.toml:{line}: {key}: ")


def test_a_syntax_error_names_its_line():
    e = error('[ui]\nlanguage = "zh"\n\n[map]\ntile_url = "http://x/{z}/{x}/{y}.png\n')
    assert e.line == 5 and "not valid TOML" in str(e)


def test_a_token_in_the_file_is_refused_and_not_repeated():
    e = error('[[feeds]]\nurl = "ws://a"\n\ntoken = "hunter2-secret"\n')
    assert (e.line, e.key) == (4, "feeds[0].token")
    assert "token_env" in str(e) and "hunter2-secret" not in str(e)


def test_token_from_the_environment(tmp_path):
    text = '[[feeds]]\nurl = "ws://a"\ntoken_env = "SITE_TOKEN"\n'
    e = error(text, env={})
    assert (e.line, e.key) == (3, "feeds[0].token_env") and "SITE_TOKEN" in str(e)
    cfg = parse_config(text, env={"SITE_TOKEN": "  tok-from-env-77 \n"})
    assert cfg.feeds[0].token == "tok-from-env-77"
    assert "tok-from-env-77" not in repr(cfg)  # a printed config shows no token
    assert SCRUB("sent tok-from-env-77") == "sent [redacted]"


def test_token_from_a_file_relative_to_the_config(tmp_path):
    tok = tmp_path / "feed.token"
    tok.write_text("tok-from-file-88\n", encoding="utf-8")
    os.chmod(tok, 0o600)
    cfg_file = tmp_path / "cityops.toml"
    cfg_file.write_text('[[feeds]]\nurl = "ws://a"\ntoken_file = "feed.token"\n', encoding="utf-8")
    assert load_config(cfg_file, env={}).feeds[0].token == "tok-from-file-88"
    os.chmod(tok, 0o644)  # readable by everyone: refused, with the fix in the message
    with pytest.raises(ConfigError, match="chmod 600") as exc:
        load_config(cfg_file, env={})
    assert exc.value.line == 3
    cfg_file.write_text('[[feeds]]\nurl = "ws://a"\ntoken_env = "X"\ntoken_file = "feed.token"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not both"):
        load_config(cfg_file, env={"X": "y"})


def test_a_bad_sla_file_stops_the_start_naming_the_key(tmp_path):
    (tmp_path / "sla.json").write_text('{"rules": [{"targets": {"lunch": 60}}]}', encoding="utf-8")
    cfg_file = tmp_path / "cityops.toml"
    cfg_file.write_text('[ui]\nlanguage = "zh"\n[sla]\nfile = "sla.json"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown stage") as exc:
        load_config(cfg_file)
    assert (exc.value.line, exc.value.key) == (4, "sla.file")
    (tmp_path / "sla.json").write_text('{"rules": [{"targets": {"acknowledged": 60}}]}', encoding="utf-8")
    assert load_config(cfg_file).sla_file == tmp_path / "sla.json"


def test_a_bad_dispatch_list_stops_the_start_naming_the_key(tmp_path):
    (tmp_path / "units.json").write_text('{"units": ["外滩派出所", ""]}', encoding="utf-8")
    cfg_file = tmp_path / "cityops.toml"
    cfg_file.write_text('[ui]\nlanguage = "zh"\n[dispatch]\nfile = "units.json"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"units\[1\]: a name") as exc:
        load_config(cfg_file)
    assert (exc.value.line, exc.value.key) == (4, "dispatch.file")
    (tmp_path / "units.json").write_text('{"units": ["外滩派出所"]}', encoding="utf-8")
    assert load_config(cfg_file).dispatch_file == tmp_path / "units.json"


def test_key_lines_follow_tables_arrays_and_dotted_keys():
    text = ('a = 1\n[t]\nb.c = 2\n"q" = 3\n[[arr]]\nx = 1\ns = """\nfake = 1\n"""\n[[arr]]\nx = 2\n'
            '[t.sub] # c\ny = 1\n')
    lines = key_lines(text)
    assert lines[("a",)] == 1 and lines[("t", "b", "c")] == 3 and lines[("t", "q")] == 4
    assert lines[("arr", 0, "x")] == 6 and lines[("arr", 1, "x")] == 11 and ("arr", 0, "fake") not in lines
    assert lines[("t", "sub", "y")] == 13


def test_the_command_line_refuses_a_bad_config_before_starting(tmp_path, capsys, monkeypatch):
    from console.app.cli import main

    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.toml"
    bad.write_text('[recording]\nretention_gb = "lots"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--config", str(bad), "--headless", "--duration", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: recording.retention_gb: must be a number" in err
    assert not (tmp_path / "data").exists()  # nothing was started or written
    with pytest.raises(SystemExit, match="2"):
        main(["check-config", "--config", str(EXAMPLE)])  # its token variable is not set here
    assert "CITYOPS_FEED_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("CITYOPS_FEED_TOKEN", "t-123456")
    assert main(["check-config", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "token: env CITYOPS_FEED_TOKEN" in out and "t-123456" not in out


def test_map_layers_are_read_relative_to_the_config_and_checked_by_line(tmp_path):
    cfg = tmp_path / "cityops.toml"
    cfg.write_text('[[map.layers]]\nfile = "gis/grid.gpkg"\nkind = "boundary"\nlevel = "grid"\ncrs = "CGCS2000"\n'
                   'min_zoom = 12\n\n[[map.layers]]\nfile = "/srv/gis/pumps.shp"\nkind = "points"\n'
                   'name = "泵站"\nname_field = "MC"\ncrs = "GCJ-02"\n', encoding="utf-8")
    layers = load_config(cfg).map_layers  # the files need not exist yet: a missing one is reported at load
    assert [(x.file, x.kind, x.level, x.crs, x.min_zoom) for x in layers] == [
        (tmp_path / "gis" / "grid.gpkg", "boundary", "grid", "CGCS2000", 12.0),
        (Path("/srv/gis/pumps.shp"), "points", None, "GCJ-02", 0.0)]
    assert layers[1].name == "泵站" and layers[1].name_field == "MC"
    with pytest.raises(ConfigError) as exc:
        parse_config('[map]\ntile_url = "http://t/{z}/{x}/{y}"\n\n[[map.layers]]\nfile = "a.geojson"\n'
                     'kind = "boundary"\nlevel = "county"\n')
    assert exc.value.line == 7 and exc.value.key == "map.layers[0].level" and "grid" in exc.value.problem
