"""`cityops replay FILE`: a recording opened in the console's window (play, seek, speed, bookmarks)."""

from __future__ import annotations

import argparse

from console.app.commands.run import console
from console.site.config import Config


def replay(args: argparse.Namespace, cfg: Config) -> int:
    if not args.file.exists():
        raise SystemExit(f"cityops: no such recording: {args.file}")
    if args.headless:
        raise SystemExit("cityops: replay needs the window (use `cityops export` for data)")
    return console(args, cfg, [])
