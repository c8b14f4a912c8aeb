"""Refresh resources/i18n/cityops_en.ts from the source (Chinese source strings -> English).

    python tools/update_translations.py          # add new strings (unfinished), drop vanished ones
    python tools/update_translations.py --check  # exit 1 if any string lacks a finished translation
    python tools/update_translations.py --fill new.json  # {"中文": "English", ...} for unfinished ones

Why not pyside6-lupdate: the code translates through small per-module helpers (`_t`, `_label`) and
through tables of labels, which lupdate cannot follow. This walks the AST for those helpers and adds
the label tables, then merges into the .ts, keeping every translation already made. The .qm is built
from the .ts by lrelease (console/ui/i18n.py does it on demand).
"""

from __future__ import annotations

import ast
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "cityops_en.ts"
SOURCES = [*sorted((ROOT / "console").rglob("*.py")), *sorted((ROOT / "widgets").rglob("*.py"))]


def _helpers(tree: ast.Module) -> dict[str, str]:
    """Module-level functions of the shape `def f(text): return QCoreApplication.translate("Ctx", text)`."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
            call = node.body[0].value
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "translate"
                    and call.args and isinstance(call.args[0], ast.Constant)):
                out[node.name] = call.args[0].value
    return out


def extract() -> dict[str, set[str]]:
    sys.path.insert(0, str(ROOT))
    msgs: dict[str, set[str]] = {}

    def add(ctx: str, text: str) -> None:
        msgs.setdefault(ctx, set()).add(text)

    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _helpers(tree)
        if path.name == "incident_text.py":
            helpers["tr"] = "Labels"  # describe(tr=...) is handed the Labels translator
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in helpers and isinstance(node.args[0], ast.Constant):
                if isinstance(node.args[0].value, str):
                    add(helpers[f.id], node.args[0].value)
            elif (isinstance(f, ast.Attribute) and f.attr == "translate" and len(node.args) >= 2
                  and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])):
                add(node.args[0].value, node.args[1].value)
    # tables translated by key at run time
    from console.feed.feed_health import FEED_STATE_LABELS_ZH
    from console.incidents.sla import STAGE_ZH
    from console.ui.incident_actions import ACTIONS, OP_ZH
    from console.ui.incident_model import HEADERS
    from console.views.labels import all_label_strings
    from widgets.indicator_chart import RANGES

    for s in [*all_label_strings(), *FEED_STATE_LABELS_ZH.values(), *STAGE_ZH.values()]:
        add("Labels", s)
    for s in HEADERS.values():
        add("IncidentQueue", s)
    for s, _ in RANGES:
        add("IndicatorChart", s)
    for s in [label for label, _, _ in ACTIONS.values()] + list(OP_ZH.values()):
        add("IncidentActions", s)
    return msgs


def load_ts(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (translation, finished)."""
    if not path.exists():
        return {}
    out = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name")
        for m in ctx.iter("message"):
            tr = m.find("translation")
            out[(name, m.findtext("source"))] = (tr.text or "", tr.get("type") not in ("unfinished", "obsolete"))
    return out


def write_ts(path: Path, msgs: dict[str, set[str]], old: dict[tuple[str, str], tuple[str, bool]]) -> int:
    root = ET.Element("TS", version="2.1", language="en_US", sourcelanguage="zh_CN")
    missing = 0
    for ctx in sorted(msgs):
        c = ET.SubElement(root, "context")
        ET.SubElement(c, "name").text = ctx
        for src in sorted(msgs[ctx]):
            m = ET.SubElement(c, "message")
            ET.SubElement(m, "source").text = src
            text, done = old.get((ctx, src), ("", False))
            t = ET.SubElement(m, "translation")
            t.text = text
            if not done or not text:
                t.set("type", "unfinished")
                missing += 1
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return missing


def missing_translations() -> list[tuple[str, str]]:
    old = load_ts(TS)
    return [(ctx, s) for ctx, srcs in extract().items() for s in sorted(srcs) if not old.get((ctx, s), ("", 0))[1]]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        miss = missing_translations()
        for ctx, s in miss:
            print(f"untranslated: [{ctx}] {s}")
        return 1 if miss else 0
    old = load_ts(TS)
    if "--fill" in argv:
        fill = json.loads(Path(argv[argv.index("--fill") + 1]).read_text(encoding="utf-8"))
        for key, (_text, done) in list(old.items()):
            if not done and key[1] in fill:
                old[key] = (fill[key[1]], True)
        for ctx, srcs in extract().items():
            for src in srcs:
                if (ctx, src) not in old and src in fill:
                    old[(ctx, src)] = (fill[src], True)
    n = write_ts(TS, extract(), old)
    print(f"{TS.relative_to(ROOT)}: {n} strings need an English translation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
