"""Where the console keeps its files, in the places the OS expects (platformdirs: XDG on Linux).

Each place can be moved, first match wins: a command-line flag, an environment variable, the config
file's [paths] table, then the default. CITYOPS_DATA_DIR moves every writable place at once (beneath it:
recordings/, logs/, layouts/, the journal in it), which is what tests and a portable install want; the config
file stays where it is unless CITYOPS_CONFIG or --config names another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs

APP = "cityops"
CONFIG_NAME = "cityops.toml"

# place -> (its --flag, its environment variable); the config file's [paths] uses the place's name
OVERRIDES: dict[str, tuple[str, str]] = {
    "config": ("--config", "CITYOPS_CONFIG"),
    "layouts": ("--layouts-dir", "CITYOPS_LAYOUTS_DIR"),
    "recordings": ("--record-dir", "CITYOPS_RECORDINGS_DIR"),
    "journal": ("--journal-dir", "CITYOPS_JOURNAL_DIR"),
    "logs": ("--log-dir", "CITYOPS_LOG_DIR"),
}


@dataclass(frozen=True)
class Places:
    config: Path  # the TOML file (it may not exist: then the built-in defaults apply)
    layouts: Path  # the window's saved dock arrangement
    recordings: Path  # live sessions (*.cityrec), kept within the retention limits
    journal: Path  # the command journal (journal.db) and the append-only audit log (audit.jsonl)
    logs: Path  # cityops.log and its rotated predecessors
    data: Path  # everything else the console writes (handover reports)
    # place -> "flag" | "env" | "config" | "default", for `cityops paths`
    sources: Mapping[str, str] = field(default_factory=dict)

    def items(self) -> list[tuple[str, Path]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self) if f.name != "sources"]


def data_dir() -> Path:
    return active().data


def default_config_file() -> Path:
    """The user's file when there is one, else the site-wide one (/etc/xdg/cityops/) when there is one,
    else where the user's would be."""
    user = Path(platformdirs.user_config_dir(APP, appauthor=False)) / CONFIG_NAME
    if user.exists():
        return user
    site = Path(platformdirs.site_config_dir(APP, appauthor=False)) / CONFIG_NAME
    return site if site.exists() else user


def _defaults(env: Mapping[str, str]) -> dict[str, Path]:
    if env.get("CITYOPS_DATA_DIR"):
        base = Path(env["CITYOPS_DATA_DIR"])
        return {"layouts": base / "layouts", "recordings": base / "recordings", "journal": base,
                "logs": base / "logs", "data": base}
    data = Path(platformdirs.user_data_dir(APP, appauthor=False))
    return {"layouts": Path(platformdirs.user_config_dir(APP, appauthor=False)) / "layouts",
            "recordings": data / "recordings", "journal": data,
            "logs": Path(platformdirs.user_log_dir(APP, appauthor=False)), "data": data}


def config_file(flag: Path | None = None, env: Mapping[str, str] | None = None) -> tuple[Path, str]:
    env = os.environ if env is None else env
    if flag is not None:
        return Path(flag), "flag"
    if env.get(OVERRIDES["config"][1]):
        return Path(env[OVERRIDES["config"][1]]), "env"
    return default_config_file(), "default"


def resolve(flags: Mapping[str, Path | None] | None = None, configured: Mapping[str, Path] | None = None,
            env: Mapping[str, str] | None = None) -> Places:
    """Every place, from `flags` (place -> the flag's value or None), the environment, the config
    file's [paths] (`configured`), and the defaults, in that order."""
    env = os.environ if env is None else env
    flags, configured = flags or {}, configured or {}
    chosen: dict[str, Path] = {}
    sources: dict[str, str] = {}
    chosen["config"], sources["config"] = config_file(flags.get("config"), env)
    defaults = _defaults(env)
    for place, default in defaults.items():
        var = OVERRIDES.get(place, ("", ""))[1]
        if flags.get(place) is not None:
            chosen[place], sources[place] = Path(flags[place]).expanduser(), "flag"
        elif var and env.get(var):
            chosen[place], sources[place] = Path(env[var]).expanduser(), "env"
        elif configured.get(place) is not None:
            chosen[place], sources[place] = Path(configured[place]).expanduser(), "config"
        else:
            chosen[place] = default
            sources[place] = "env CITYOPS_DATA_DIR" if env.get("CITYOPS_DATA_DIR") else "default"
    return Places(**chosen, sources=sources)


def ensure(places: Places) -> None:
    """Create the writable folders now, so a place that cannot be used stops the start with its name."""
    for name in ("layouts", "recordings", "journal", "logs", "data"):
        folder = getattr(places, name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot use {folder} for {name} ({places.sources.get(name, 'default')}): "
                          f"{exc.strerror or exc}") from None


_active: Places | None = None


def use(places: Places | None) -> None:
    """The places this run uses (set once by the command line, before anything is written); None
    goes back to what the environment gives."""
    global _active
    _active = places


def active() -> Places:
    """The places set by `use`, or those the environment alone gives (tests, library use)."""
    return _active if _active is not None else resolve()
