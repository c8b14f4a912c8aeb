"""`cityops paths` and `cityops check-config`: where the config, layouts, recordings, journal and
logs are (and why), and the checked config file summed up (its tokens named by source, never shown)."""

from __future__ import annotations

import argparse

from console.model.areas import level_of
from console.site.config import Config


def paths(args: argparse.Namespace, cfg: Config) -> int:
    from console.resources import resources_dir
    from console.site.paths import active

    places = active()
    for name, path in places.items():
        note = places.sources.get(name, "default")
        if name == "config" and cfg.path is None:
            note += ", not present: built-in defaults"
        print(f"{name:<11}{path}  ({note})")
    print(f"{'resources':<11}{resources_dir()}  (shipped, read-only)")
    return 0


def check_config(args: argparse.Namespace, cfg: Config) -> int:
    if cfg.path is None:
        print("no config file: the built-in defaults (see `cityops paths` for where one would be read)")
        return 0
    print(f"{cfg.path}: OK")
    print(f"  operator  {cfg.operator_name or '(login name)'}, role {cfg.role.value}")
    print(f"  scope     {cfg.scope} ({level_of(cfg.scope).value} centre: its area, what its level handles)")
    for f in cfg.feeds:
        print(f"  feed      {f.name or f.url}  {f.url}  token: {f.token_source or 'none'}")
    print(f"  map tiles {cfg.tile_url or '(none: boundaries only)'}")
    print(f"  sla       {cfg.sla_file or '(shipped)'}")
    print(f"  rules     {cfg.rules_file or '(shipped)'}")
    print(f"  dispatch  {cfg.dispatch_file or '(shipped)'}")
    print(f"  recording {'on' if cfg.record else 'off'}, keep {cfg.retention_days:g} days / {cfg.retention_gb:g} GB")
    print(f"  logging   {cfg.log_level}, {cfg.log_max_mb:g} MB x {cfg.log_backups + 1} files")
    return 0
