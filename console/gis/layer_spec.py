"""One site GIS layer as the configuration declares it (`[[map.layers]]`, docs/configuration.md), and the
check of that declaration. What is wrong with the file's content is found later, when it is read
(console/gis/layer_load.py): a bad declaration stops the start, a bad file only loses that file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("boundary", "points", "lines")
LEVELS = ("city", "district", "street", "grid")
CRSES = ("WGS-84", "CGCS2000", "GCJ-02")  # CGCS2000 and WGS-84 differ by centimetres: read alike
KEYS = ("file", "layer", "kind", "level", "name", "name_field", "code_field", "crs", "min_zoom", "max_zoom", "style")
STYLE_KEYS = ("color", "weight", "fill_color", "fill_opacity", "opacity", "radius", "dash")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class LayerSpecError(ValueError):
    """A bad `[[map.layers]]` entry: `key` is the key at fault (empty: the entry itself)."""

    def __init__(self, key: str, problem: str):
        self.key, self.problem = key, problem
        super().__init__(f"{key}: {problem}" if key else problem)


@dataclass(frozen=True)
class LayerSpec:
    file: Path
    kind: str  # boundary | points | lines
    name: str  # the layer's name in the layer switch
    level: str | None = None  # boundary only: city | district | street | grid
    layer: str | None = None  # a layer inside a GeoPackage (None: its first)
    name_field: str | None = None
    code_field: str | None = None
    crs: str = "WGS-84"  # what the coordinates are when the file does not say (GCJ-02 never says)
    min_zoom: float = 0.0
    max_zoom: float = 18.0
    style: dict[str, Any] = field(default_factory=dict)

    def cache_fields(self) -> dict:
        """What decides the processed result besides the file's bytes."""
        return {"layer": self.layer, "kind": self.kind, "name_field": self.name_field,
                "code_field": self.code_field, "crs": self.crs, "min_zoom": self.min_zoom, "max_zoom": self.max_zoom}


def _str(t: dict, key: str, default: str | None = None) -> str | None:
    v = t.get(key, default)
    if v is not None and (not isinstance(v, str) or not v.strip()):
        raise LayerSpecError(key, "must be a non-empty string")
    return v


def _num(v: Any, key: str, low: float, high: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high:
        raise LayerSpecError(key, f"must be a number from {low:g} to {high:g}, not {v!r}")
    return float(v)


def _style(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise LayerSpecError("style", "must be a table, e.g. { color = \"#7fb3ff\", weight = 1 }")
    out: dict[str, Any] = {}
    for k, x in v.items():
        if k not in STYLE_KEYS:
            raise LayerSpecError(f"style.{k}", f"unknown key; known here: {', '.join(STYLE_KEYS)}")
        if k in ("color", "fill_color"):
            if not isinstance(x, str) or not _COLOR.match(x):
                raise LayerSpecError(f"style.{k}", f"must be a colour like \"#7fb3ff\", not {x!r}")
            out[k] = x
        elif k == "dash":
            if not isinstance(x, str) or not re.fullmatch(r"\d+(?: \d+)*", x):
                raise LayerSpecError("style.dash", f"must be numbers separated by spaces, like \"4 4\", not {x!r}")
            out[k] = x
        else:
            top = {"weight": 20, "radius": 40}.get(k, 1)
            out[k] = _num(x, f"style.{k}", 0, top)
    return out


def parse_layer(t: dict, base: Path) -> LayerSpec:
    """A `[[map.layers]]` table as a LayerSpec; relative files are relative to `base` (the config's folder)."""
    for k in t:
        if k not in KEYS:
            raise LayerSpecError(k, f"unknown key; known here: {', '.join(KEYS)}")
    file = _str(t, "file")
    if file is None:
        raise LayerSpecError("file", "is missing: the layer's GeoJSON, GeoPackage or Shapefile")
    path = Path(file).expanduser()
    path = path if path.is_absolute() else base / path
    kind = _str(t, "kind")
    if kind not in KINDS:
        raise LayerSpecError("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    level = _str(t, "level")
    if kind == "boundary" and level not in LEVELS:
        raise LayerSpecError("level", f"a boundary layer's level must be one of {', '.join(LEVELS)}, not {level!r}")
    if kind != "boundary" and level is not None:
        raise LayerSpecError("level", "only a boundary layer has a level")
    crs = _str(t, "crs", "WGS-84")
    if crs not in CRSES:
        raise LayerSpecError("crs", f"must be one of {', '.join(CRSES)}, not {crs!r}")
    lo = _num(t.get("min_zoom", 0), "min_zoom", 0, 20)
    hi = _num(t.get("max_zoom", 18), "max_zoom", 0, 20)
    if lo > hi:
        raise LayerSpecError("max_zoom", f"is below min_zoom ({hi:g} < {lo:g})")
    return LayerSpec(file=path, kind=kind, name=_str(t, "name", path.stem) or path.stem, level=level,
                     layer=_str(t, "layer"), name_field=_str(t, "name_field"), code_field=_str(t, "code_field"),
                     crs=crs, min_zoom=lo, max_zoom=hi, style=_style(t.get("style", {})))
