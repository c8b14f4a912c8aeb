"""The site's configuration file (TOML), read and checked whole before anything starts.

Every key is documented in docs/configuration.md and shown in packaging/cityops.example.toml. A wrong
key or value stops the start with `FILE:LINE: key: what is wrong`; the console never runs on half a
configuration. Feed tokens never live in this file: a feed names an environment variable or a file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from console.gis.layer_spec import LayerSpec, LayerSpecError, parse_layer
from console.incidents.operator import Role, RolePolicy, load_role_policies
from console.model.areas import CITY_CODE
from console.privacy.scrub import SCRUB
from console.resources import resource

LANGUAGES = ("zh", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PATH_KEYS = ("layouts", "recordings", "journal", "logs")


class ConfigError(ValueError):
    """A bad configuration: names the file, the line (when known) and the key."""

    def __init__(self, path: Path | None, line: int | None, key: str, problem: str):
        self.path, self.line, self.key, self.problem = path, line, key, problem
        name = str(path) if path is not None else "<config>"
        where = f"{name}:{line}" if line else name
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


@dataclass(frozen=True)
class FeedSettings:
    url: str
    name: str = ""
    token: str | None = field(default=None, repr=False)  # read from token_env / token_file, never from the file
    token_source: str = ""  # "env CITYOPS_TOKEN" / "file /etc/cityops/token": what diagnostics may show
    regions: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


POLICY_KEYS = ("actions", "export", "unmask_personal", "emergency")  # the role policy's permissions


@dataclass(frozen=True)
class RoleOptions:
    """What a site sets per role in [roles.<role>]. The permissions are those of the role policy
    (console/incidents/operator.py, resources/config/roles.json): each one set here overrides the policy's, each
    left out (None) keeps it. `layout` is a layout file exported for the role, opened at start."""

    actions: bool | None = None  # send incident commands
    export: bool | None = None  # export a recording's data
    unmask_personal: bool | None = None  # see callers' phone and ID numbers unmasked
    emergency: bool | None = None  # declare or lift emergency mode
    layout: Path | None = None

    def overrides(self) -> dict[str, bool]:
        """The permissions this site sets, to lay over the role policy's."""
        return {k: getattr(self, k) for k in POLICY_KEYS if getattr(self, k) is not None}


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # None: no file, the built-in defaults
    operator_name: str | None = None  # None: the login name
    role: Role = Role.DUTY_OFFICER
    roles: dict[Role, RoleOptions] = field(default_factory=lambda: {r: RoleOptions() for r in Role})
    feeds: tuple[FeedSettings, ...] = ()
    language: str = "zh"
    tile_url: str | None = None
    tile_attribution: str = ""
    map_layers: tuple[LayerSpec, ...] = ()  # [[map.layers]]: the site's own GIS files, drawn over the shipped ones
    sla_file: Path | None = None  # None: the shipped resources/config/sla.json
    rules_file: Path | None = None  # None: the shipped resources/config/rules.json
    dispatch_file: Path | None = None  # None: the shipped resources/config/dispatch_units.json
    record: bool = True
    retention_days: float = 30.0
    retention_gb: float = 50.0
    log_level: str = "INFO"
    log_max_mb: float = 10.0
    log_backups: int = 5
    paths: dict[str, Path] = field(default_factory=dict)  # [paths]: place -> folder
    scope: str = CITY_CODE  # [scope] region: the city, a district or a street centre's console

    def role_options(self, role: Role | None = None) -> RoleOptions:
        return self.roles[role or self.role]

    def role_policy(self, role: Role | None = None) -> RolePolicy:
        """What `role` may do here: the shipped role policy (resources/config/roles.json) with this site's
        [roles.<role>] permissions laid over it. The console's operator and `cityops export` both ask this."""
        role = role or self.role
        shipped = load_role_policies(resource("config", "roles.json"))[role]
        return dataclasses.replace(shipped, **self.role_options(role).overrides())


# ---------------------------------------------------------------------------------------------- lines
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(text: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)]


def key_lines(text: str) -> dict[tuple, int]:
    """Where each table and key is defined: (table parts..., [array index], key...) -> line number.
    tomllib gives no positions for values, so errors found after parsing look their line up here.
    Multi-line strings and arrays are skipped over well enough for keys at the start of a line."""
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    in_multiline = False
    for n, raw in enumerate(text.splitlines(), 1):
        if in_multiline:
            if raw.count('"""') % 2 or raw.count("'''") % 2:
                in_multiline = False
            continue
        m = _HEADER.match(raw)
        if m and not _KEY.match(raw):
            parts = tuple(_split_key(m.group(2)))
            if m.group(1) == "[[":
                idx = counts.get(parts, 0)
                counts[parts] = idx + 1
                table = (*parts, idx)
            else:
                table = parts
            lines.setdefault(table, n)
            continue
        k = _KEY.match(raw)
        if k:
            lines.setdefault((*table, *_split_key(k.group(1))), n)
            rest = raw[k.end():]
            if rest.count('"""') % 2 or rest.count("'''") % 2:
                in_multiline = True
    return lines


class _Reader:
    """Typed access to the parsed document that reports bad values with their key and line."""

    def __init__(self, path: Path | None, text: str, doc: dict):
        self.path, self.doc, self.lines = path, doc, key_lines(text)
        self.base = path.parent if path else Path.cwd()

    def line(self, key: tuple) -> int | None:
        for n in range(len(key), 0, -1):  # the key's own line, else its table's
            if key[:n] in self.lines:
                return self.lines[key[:n]]
        return None

    def fail(self, key: tuple, problem: str) -> ConfigError:
        name = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(key))
        return ConfigError(self.path, self.line(key), name, problem)

    def table(self, key: tuple, allowed: tuple[str, ...]) -> dict:
        value = self.get_raw(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        for k in value:
            if k not in allowed:
                raise self.fail((*key, k), f"unknown key; known here: {', '.join(allowed)}")
        return value

    def get_raw(self, key: tuple) -> Any:
        node: Any = self.doc
        for p in key:
            try:
                node = node[p]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def value(self, key: tuple, kind: type | tuple[type, ...], default: Any = None) -> Any:
        v = self.get_raw(key)
        if v is None:
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(v, bool) and bool not in kinds:  # TOML booleans are ints to isinstance
            raise self.fail(key, f"must be {_kind_name(kinds)}, not true/false")
        if not isinstance(v, kinds):
            raise self.fail(key, f"must be {_kind_name(kinds)}, not {_toml_type(v)}")
        return v

    def number(self, key: tuple, default: float, low: float, high: float | None = None) -> float:
        v = self.value(key, (int, float), default)
        if v < low or (high is not None and v > high):
            span = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise self.fail(key, f"must be {span}, not {v}")
        return float(v)

    def choice(self, key: tuple, choices: tuple[str, ...], default: str) -> str:
        v = self.value(key, str, default)
        if v not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {v!r}")
        return v

    def strings(self, key: tuple) -> tuple[str, ...]:
        v = self.value(key, list, [])
        if not all(isinstance(x, str) and x for x in v):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(v)

    def file(self, key: tuple, must_exist: bool = True) -> Path | None:
        v = self.value(key, str)
        if v is None:
            return None
        if not v.strip():
            raise self.fail(key, "is empty")
        p = Path(v).expanduser()
        p = p if p.is_absolute() else self.base / p  # relative to the config file, not the working folder
        if must_exist and not p.is_file():
            raise self.fail(key, f"no such file: {p}")
        return p


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "a number", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def _toml_type(v: Any) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "true/false", list: "a list",
            dict: "a table"}.get(type(v), type(v).__name__)


# ---------------------------------------------------------------------------------------------- loading
TOP_LEVEL = ("operator", "roles", "feeds", "map", "sla", "rules", "dispatch", "recording", "logging", "paths", "ui",
             "scope")


def _map_layers(r: _Reader) -> tuple[LayerSpec, ...]:
    """[[map.layers]]: each entry checked here (a wrong key stops the start); its file is read when the map
    is built, where a bad file or feature is reported and the rest still loads (console/gis)."""
    raw = r.value(("map", "layers"), list, [])
    out = []
    for i, t in enumerate(raw):
        if not isinstance(t, dict):
            raise r.fail(("map", "layers", i), "must be a table ([[map.layers]])")
        try:
            out.append(parse_layer(t, r.base))
        except LayerSpecError as exc:
            raise r.fail(("map", "layers", i, *exc.key.split(".")) if exc.key else ("map", "layers", i),
                         exc.problem) from None
    return tuple(out)


@cache
def shanghai_codes() -> frozenset[str]:
    """Every region code of resources/shanghai/regions.json (the city, its districts, its streets)."""
    doc = json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))
    return frozenset(r["code"] for r in doc["regions"])


def scope_problem(code: str) -> str | None:
    """What is wrong with `code` as a console's scope, or None: a 6-digit district code (or the city's
    310000) or a 9-digit street/town code that resources/shanghai/regions.json knows."""
    if not (code.isascii() and code.isdigit() and len(code) in (6, 9)):
        return (f"must be a 6-digit district code (e.g. 310104 徐汇区) or a 9-digit street/town code "
                f"(e.g. 310104003), not {code[:40]!r}")
    if not code.startswith(CITY_CODE[:2]):
        return f"{code} is not a Shanghai code (Shanghai's start with 31)"
    if code not in shanghai_codes():
        return f"{code} is not a region of resources/shanghai/regions.json"
    return None


def load_config(path: Path | None, env: dict[str, str] | None = None, must_exist: bool = False) -> Config:
    """Read and check `path`. No file (and not `must_exist`): the defaults. Raises ConfigError."""
    env = os.environ if env is None else env
    if path is None or (not path.exists() and not must_exist):
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, None, "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, "", f"cannot read it: {exc}") from None
    return parse_config(text, path, env)


def parse_config(text: str, path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else (text.count("\n") or 1)  # else "at end of document"
        problem = re.sub(r" \(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ConfigError(path, line, "", f"not valid TOML: {problem}") from None
    r = _Reader(path, text, doc)
    for k in doc:
        if k not in TOP_LEVEL:
            raise r.fail((k,), f"unknown key; the tables are {', '.join(TOP_LEVEL)}")

    r.table(("operator",), ("name", "role"))
    name = r.value(("operator", "name"), str)
    if name is not None and not name.strip():
        raise r.fail(("operator", "name"), "is empty (leave it out to use the login name)")
    role = Role(r.choice(("operator", "role"), tuple(x.value for x in Role), Role.DUTY_OFFICER.value))

    roles: dict[Role, RoleOptions] = {}
    declared = r.table(("roles",), tuple(x.value for x in Role))
    for ro in Role:
        if ro.value in declared:
            r.table(("roles", ro.value), (*POLICY_KEYS, "layout"))
        perms = {k: r.value(("roles", ro.value, k), bool) for k in POLICY_KEYS}
        roles[ro] = RoleOptions(**perms, layout=r.file(("roles", ro.value, "layout")))

    feeds = _feeds(r, env)

    r.table(("map",), ("tile_url", "tile_attribution", "layers"))
    map_layers = _map_layers(r)
    tile_url = r.value(("map", "tile_url"), str)
    if tile_url is not None and not re.match(r"^(https?|file)://", tile_url):
        raise r.fail(("map", "tile_url"), f"must be an http://, https:// or file:// URL, not {tile_url!r}")
    if tile_url is not None and not all(f"{{{c}}}" in tile_url for c in "zxy"):
        raise r.fail(("map", "tile_url"), "must contain {z}, {x} and {y}")

    r.table(("sla",), ("file",))
    r.table(("rules",), ("file",))
    sla_file, rules_file = r.file(("sla", "file")), r.file(("rules", "file"))
    r.table(("dispatch",), ("file",))
    dispatch_file = r.file(("dispatch", "file"))
    _check_site_files(r, sla_file, rules_file, dispatch_file)

    r.table(("recording",), ("enabled", "retention_days", "retention_gb"))
    r.table(("logging",), ("level", "max_mb", "backups"))
    r.table(("ui",), ("language",))
    r.table(("scope",), ("region",))
    scope = r.value(("scope", "region"), str, CITY_CODE)
    if (problem := scope_problem(scope)) is not None:
        raise r.fail(("scope", "region"), problem)
    r.table(("paths",), PATH_KEYS)
    paths = {}
    for k in PATH_KEYS:
        v = r.value(("paths", k), str)
        if v is not None:
            if not v.strip():
                raise r.fail(("paths", k), "is empty")
            p = Path(v).expanduser()
            paths[k] = p if p.is_absolute() else r.base / p
    return Config(
        path=path, operator_name=name.strip() if name else None, role=role, roles=roles, feeds=feeds,
        language=r.choice(("ui", "language"), LANGUAGES, "zh"),
        tile_url=tile_url, tile_attribution=r.value(("map", "tile_attribution"), str, ""), map_layers=map_layers,
        sla_file=sla_file, rules_file=rules_file, dispatch_file=dispatch_file,
        record=r.value(("recording", "enabled"), bool, True),
        retention_days=r.number(("recording", "retention_days"), 30.0, 0.01),
        retention_gb=r.number(("recording", "retention_gb"), 50.0, 0.001),
        log_level=r.choice(("logging", "level"), LOG_LEVELS, "INFO"),
        log_max_mb=r.number(("logging", "max_mb"), 10.0, 0.01, 1024),
        log_backups=int(r.number(("logging", "backups"), 5, 1, 100)),
        paths=paths, scope=scope,
    )


FEED_KEYS = ("name", "url", "token_env", "token_file", "regions", "domains")


def _feeds(r: _Reader, env) -> tuple[FeedSettings, ...]:
    raw = r.get_raw(("feeds",))
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise r.fail(("feeds",), "must be an array of tables: write each feed as [[feeds]]")
    out, labels = [], set()
    for i, f in enumerate(raw):
        for k in f:
            if k in ("token", "password", "secret"):
                raise r.fail(("feeds", i, k), "a token never goes in the config file: use token_env (an "
                                              "environment variable's name) or token_file (a file only the "
                                              "console's user can read)")
            if k not in FEED_KEYS:
                raise r.fail(("feeds", i, k), f"unknown key; known here: {', '.join(FEED_KEYS)}")
        url = r.value(("feeds", i, "url"), str)
        if url is None:
            raise r.fail(("feeds", i), "needs url = \"ws://…\" or \"wss://…\"")
        if not url.startswith(("ws://", "wss://")):
            raise r.fail(("feeds", i, "url"), f"must start with ws:// or wss://, not {url[:40]!r}")
        if re.search(r"(?i)[?&](token|access_token|key)=", url):
            raise r.fail(("feeds", i, "url"), "carries a token in the URL; use token_env or token_file")
        name = r.value(("feeds", i, "name"), str, "")
        label = name or url
        if label in labels:
            raise r.fail(("feeds", i, "name"), f"two feeds are called {label!r}; names must be unique")
        labels.add(label)
        token_env, token_file = r.value(("feeds", i, "token_env"), str), r.file(("feeds", i, "token_file"))
        if token_env is not None and token_file is not None:
            raise r.fail(("feeds", i, "token_file"), "give token_env or token_file, not both")
        token, source = None, ""
        if token_env is not None:
            token = (env.get(token_env) or "").strip()
            if not token:
                raise r.fail(("feeds", i, "token_env"), f"the environment variable {token_env} is empty or not set")
            source = f"env {token_env}"
        elif token_file is not None:
            token = _read_token(r, ("feeds", i, "token_file"), token_file)
            source = f"file {token_file}"
        SCRUB.add_secret(token)  # read it, and from now on no log line can carry it
        out.append(FeedSettings(url, name, token, source, r.strings(("feeds", i, "regions")),
                                r.strings(("feeds", i, "domains"))))
    return tuple(out)


def _read_token(r: _Reader, key: tuple, path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise r.fail(key, f"cannot read the token file: {exc.__class__.__name__}") from None
    if not token:
        raise r.fail(key, f"the token file {path} is empty")
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        # others could read the token: refuse rather than run with a leaked secret (chmod 600 fixes it)
        raise r.fail(key, f"the token file {path} can be read by other users; chmod 600 it")
    return token


def _check_site_files(r: _Reader, sla_file: Path | None, rules_file: Path | None,
                      dispatch_file: Path | None) -> None:
    """Load them now, so a bad SLA, rules or dispatch file stops the start too, with the key that named
    it (never a console that finds out at the first dispatch)."""
    from console.alarms.discovery_rules import RulesConfigError, load_rules
    from console.incidents.sla import SlaBook, SlaConfigError
    from console.incidents.stations import DispatchConfigError, load_dispatch_list

    if sla_file is not None:
        try:
            SlaBook.load(sla_file)
        except SlaConfigError as exc:
            raise r.fail(("sla", "file"), str(exc)) from None
    if rules_file is not None:
        try:
            load_rules(rules_file)
        except RulesConfigError as exc:
            raise r.fail(("rules", "file"), str(exc)) from None
    if dispatch_file is not None:
        try:
            load_dispatch_list(dispatch_file)
        except DispatchConfigError as exc:
            raise r.fail(("dispatch", "file"), str(exc)) from None
