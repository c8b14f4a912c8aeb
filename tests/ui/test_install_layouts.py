"""The program finds its shipped data however it was installed: a checkout (or editable install), a
wheel (resources/ copied into console/_resources by setup.py), a bundle; and English still works
when the installed copy is read-only to the user."""

import shutil
from pathlib import Path

from console import resources
from console.ui import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_its_own_resources(monkeypatch):
    monkeypatch.delenv("CITYOPS_RESOURCES", raising=False)
    assert resources.resources_dir() == ROOT / "resources"


def test_an_installed_wheel_reads_console_resources(tmp_path, monkeypatch):
    # the layout of site-packages after `pip install .`: console/ with _resources/, no resources/ beside it
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "console", site / "console", ignore=shutil.ignore_patterns("__pycache__", "_resources"))
    shutil.copytree(ROOT / "resources", site / "console" / "_resources")
    monkeypatch.delenv("CITYOPS_RESOURCES", raising=False)
    monkeypatch.setattr(resources, "__file__", str(site / "console" / "resources.py"))
    assert resources.resources_dir() == site / "console" / "_resources"
    assert resources.resource("shanghai", "districts.geojson").is_file()


def test_english_is_built_in_the_users_cache_when_the_install_is_read_only(tmp_path, monkeypatch):
    shipped = tmp_path / "resources"
    (shipped / "i18n").mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "i18n" / "cityops_en.ts", shipped / "i18n")
    monkeypatch.setenv("CITYOPS_RESOURCES", str(shipped))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(i18n.os, "access", lambda _p, _mode: False)  # root may write anywhere: pretend not
    qm = i18n.compiled_translation("en")
    assert qm == tmp_path / "cache" / "cityops" / "cityops_en.qm" and qm.stat().st_size > 1000
    assert not (shipped / "i18n" / "cityops_en.qm").exists()
