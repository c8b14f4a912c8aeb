"""The bundle's software bill of materials (CycloneDX 1.6 JSON), written by `./dev bundle`.

    python tools/sbom.py out/bundle/cityops/sbom.cdx.json

`cyclonedx-py environment` (cyclonedx-bom, Apache-2.0) describes every package installed in the build
environment, with its version, licence and purl; the build environment also holds the test and build
tools, which the bundle does not ship. This keeps the console's runtime closure: the packages that
`cityops-console` requires with its `nats` extra (the bundle carries `cityops hub` and `cityops cluster`:
packaging/cityops.spec collects every console module), and what they require, as installed (their
own extras left out), and drops the rest from the components and the dependency graph.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "cityops-console"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(project: str = PROJECT, extras: tuple[str, ...] = ("nats",)) -> set[str]:
    """Normalised names of the installed distributions the project needs at run time."""
    from packaging.markers import Marker

    seen: set[str] = set()
    todo = [project]
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        wanted = extras if name == _norm(project) else ()
        for req in dist.requires or []:
            spec, _, marker = req.partition(";")
            if "extra" in marker:  # an optional extra: only the project's own that the bundle carries
                if not any(Marker(marker).evaluate({"extra": e}) for e in wanted):
                    continue
            elif marker.strip() and not Marker(marker).evaluate():
                continue
            todo.append(re.split(r"[\s<>=!~\[(]", spec.strip(), maxsplit=1)[0])
    return seen


def main(out: Path) -> int:
    raw = subprocess.run([sys.executable, "-m", "cyclonedx_py", "environment", sys.executable,
                          "--pyproject", str(ROOT / "pyproject.toml"), "--of", "JSON", "--output-reproducible",
                          "-o", "-"], capture_output=True, text=True, check=True).stdout
    bom = json.loads(raw)
    keep = runtime_closure()
    comps = [c for c in bom.get("components", []) if _norm(c.get("name", "")) in keep]
    refs = {c["bom-ref"] for c in comps} | {bom["metadata"]["component"]["bom-ref"]}
    bom["components"] = comps
    bom["dependencies"] = [{**d, "dependsOn": [r for r in d.get("dependsOn", []) if r in refs]}
                           for d in bom.get("dependencies", []) if d["ref"] in refs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(bom, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    unlicensed = [c["name"] for c in comps if not c.get("licenses")]
    print(f"{out}: {len(comps)} components (runtime closure of {PROJECT})"
          + (f"; no licence in metadata: {', '.join(unlicensed)}" if unlicensed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "sbom.cdx.json"))
