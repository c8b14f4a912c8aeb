"""Where the program's shipped data lives: `resources/` of the checkout (also for an editable install),
of a PyInstaller bundle, or console/_resources in a wheel (setup.py copies it there)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    env = os.environ.get("CITYOPS_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle unpacks data beside the code
    if bundle:
        return Path(bundle) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
