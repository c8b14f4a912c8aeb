"""What several subcommands share: the feed token (from the environment or a file, never from the
command line) and refusing a start with its reason (on stderr, and in a window when the console was
started from the desktop menu)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from console.privacy.scrub import SCRUB

FILE_LOG_COMMANDS = ("demo", "run", "replay", "wall")  # the console keeps a log file; tools log to stderr only


def read_token(args: argparse.Namespace) -> str | None:
    # tokens come from the environment or a file, never from the command line (it shows in `ps`)
    tok = None
    if getattr(args, "token_env", None):
        tok = (os.environ.get(args.token_env) or "").strip()
        if not tok:
            raise SystemExit(f"cityops: environment variable {args.token_env} is empty or not set")
    elif getattr(args, "token_file", None):
        try:
            tok = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SystemExit(f"cityops: cannot read token file: {exc}") from None
    SCRUB.add_secret(tok)  # from here on no log line can carry it
    return tok


def started_from_a_desktop(args: argparse.Namespace) -> bool:
    """A window would open, there is a display, and no terminal to read stderr (the menu entry)."""
    return (args.cmd in FILE_LOG_COMMANDS and not getattr(args, "headless", False)
            and bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            and not sys.stderr.isatty())


def refuse(args: argparse.Namespace, message: str) -> NoReturn:
    """Stop before starting: the reason on stderr, and in a window when started from the desktop menu."""
    print(f"cityops: {message}", file=sys.stderr)
    if started_from_a_desktop(args):
        from console.ui.startup_error import show_startup_error

        show_startup_error(message)
    raise SystemExit(2)
