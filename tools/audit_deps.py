"""`./dev audit-deps`: every package pinned in constraints.txt checked against the known-vulnerability
databases with pip-audit (Apache-2.0, the PyPA's tool). It needs the internet (PyPI's JSON API, or
OSV with `--service osv`): on an air-gapped machine, or behind a package mirror that serves no
vulnerability data, it says so and exits 3 rather than report "no known vulnerabilities" about packages
it could not look up. Not part of `./dev test` (CI may have no network).

    ./dev audit-deps                    # exit 0: none known; 1: some found (listed); 3: could not audit
    ./dev audit-deps --service osv
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBES = {"pypi": "https://pypi.org/pypi/{name}/{version}/json", "osv": "https://api.osv.dev/v1/query"}


def reachable(service: str, pin: tuple[str, str]) -> str | None:
    """None when the service answers for one pinned package as a vulnerability database would (pip-audit
    asks the same of every one), else why not: one request, not the whole list."""
    url = PROBES[service].format(name=pin[0], version=pin[1])
    try:
        if service == "osv":
            req = urllib.request.Request(url, data=b'{"package":{"name":"pip","ecosystem":"PyPI"}}',
                                         headers={"Content-Type": "application/json"})
        else:
            req = urllib.request.Request(url)
        with urllib.request.urlopen(req, timeout=15) as r:
            body = json.loads(r.read())
        if service == "pypi" and "vulnerabilities" not in body:
            return f"{url} answers without vulnerability data (a mirror, not PyPI)"
        return None
    except Exception as exc:  # no route, no DNS, a mirror's 404: all mean the same here
        return f"{url}: {type(exc).__name__}: {exc}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service", choices=sorted(PROBES), default="pypi")
    ap.add_argument("--requirements", type=Path, default=ROOT / "constraints.txt")
    args = ap.parse_args()
    pins = [ln.split("==") for ln in args.requirements.read_text().split() if "==" in ln]
    why = reachable(args.service, (pins[0][0], pins[0][1]))
    if why is not None:
        print(f"audit-deps: cannot audit here: the vulnerability database is out of reach ({why}).\n"
              "This machine is air-gapped or behind a package mirror. Run `./dev audit-deps` on a machine "
              "with internet access (the same constraints.txt gives the same answer).", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        p = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(args.requirements), "--no-deps",
                            "--disable-pip", "--vulnerability-service", args.service, "--progress-spinner", "off",
                            "--format", "json", "--output", str(out)], capture_output=True, text=True)
        if not out.exists():
            print(p.stderr, file=sys.stderr)
            return 3
        doc = json.loads(out.read_text())
    deps = doc.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    found = [(d["name"], d["version"], v) for d in deps for v in d.get("vulns", [])]
    for name, version, v in found:
        fixes = ", ".join(v.get("fix_versions") or []) or "no fix yet"
        print(f"{name} {version}: {v['id']} ({', '.join(v.get('aliases') or [])}) fixed in {fixes}")
    for d in skipped:
        print(f"not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}")
    audited = len(deps) - len(skipped)
    print(f"audit-deps: {audited} of {len(deps)} pinned packages audited ({args.service}); "
          f"{len(found)} known vulnerabilities")
    if not audited:
        return 3
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
