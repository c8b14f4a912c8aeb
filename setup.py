"""Only what pyproject.toml cannot say: a built wheel carries resources/ (the map page, Shanghai's
boundaries, SLA and rules, translations, icon) as console/_resources, so a plain `pip install .` works
away from the checkout. console/resources.py finds them there; an editable install reads the checkout's."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):
            shutil.copytree(Path(__file__).parent / "resources", Path(self.build_lib) / "console" / "_resources",
                            dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.qm", "__pycache__"))


setup(cmdclass={"build_py": BuildWithResources})
