"""A site layer read once: the processed tiers (console/gis/layer_load.py) kept on disk under a key made
of the file's absolute path, size and modification time and the layer's declaration. A changed file gets
a new key, so a stale result is never served; a cached load only reads a small meta.json. Old entries are
left for the operator's clean-up (`cache_dir` holds nothing else)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

from console.gis.layer_load import CHUNK_DEG, LoadedLayer, Problem, read_layer
from console.gis.layer_spec import LayerSpec

FORMAT = 2  # bump when the tier scripts change shape: old entries are then never read


def cache_key(spec: LayerSpec) -> str | None:
    """The key of the file as it is now, or None when it cannot be looked at."""
    try:
        st = spec.file.stat()
    except OSError:
        return None
    ident = {"format": FORMAT, "path": str(spec.file.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
             **spec.cache_fields()}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:24]


def tier_script(key: str, zoom: int, chunk: str, features: list[str]) -> str:
    """A tier's chunk as a script the page loads with a <script src> (file:// pages cannot fetch JSON)."""
    return (f'cityopsGis.tier("{key}",{zoom},"{chunk}",{{"type":"FeatureCollection","features":['
            + ",".join(features) + "]});\n")


def chunk_of(lon: float, lat: float, step: float | None) -> str:
    """The square a feature's anchor falls in ("all": a tier not cut)."""
    return "all" if step is None else f"{math.floor(lon / step)}_{math.floor(lat / step)}"


def _tiers(meta: dict, entry: Path) -> dict[int, dict]:
    return {int(z): {"step": t["step"], "chunks": {c: entry / f for c, f in t["chunks"].items()}}
            for z, t in meta["tiers"].items()}


def cached_layer(spec: LayerSpec, cache_dir: Path) -> LoadedLayer | None:
    """The layer without reading its file, when that is possible: from the cache (one small meta.json), or
    the Problem of a file that is not there. None: the file must be read (load_layer, seconds for a big one)."""
    key = cache_key(spec)
    if key is None:
        return LoadedLayer(spec, "", problems=[Problem(str(spec.file), None, "no such file (or it cannot be read)")])
    entry = cache_dir / key
    meta_path = entry / "meta.json"
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return LoadedLayer(spec, key, tiers=_tiers(meta, entry),
                       count=meta["count"], problems=[Problem(**p) for p in meta["problems"]],
                       bounds=tuple(meta["bounds"]) if meta["bounds"] else None, cached=True)


def load_layer(spec: LayerSpec, cache_dir: Path) -> LoadedLayer:
    """The layer from the cache, else read, checked, simplified and written to the cache."""
    done = cached_layer(spec, cache_dir)
    if done is not None:
        return done
    key = cache_key(spec) or ""
    entry = cache_dir / key
    tiers, props, problems, bounds, anchors = read_layer(spec)
    if not props and any(p.feature is None and p.skipped for p in problems):
        return LoadedLayer(spec, key, problems=problems)  # the file could not be used: nothing to cache
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_dir))
    files = {}
    zooms = sorted({z for t in tiers for z in t}) or []
    for z in zooms:
        step = CHUNK_DEG.get(z)
        chunks: dict[str, list[str]] = {}
        for p, t, (lon, lat) in zip(props, tiers, anchors, strict=True):
            chunks.setdefault(chunk_of(lon, lat, step), []).append(
                f'{{"type":"Feature","properties":{p},"geometry":{t[z]}}}')
        files[str(z)] = {"step": step, "chunks": {}}
        for c, feats in chunks.items():
            (work / f"tier-{z}-{c}.js").write_text(tier_script(key, z, c, feats), encoding="utf-8")
            files[str(z)]["chunks"][c] = f"tier-{z}-{c}.js"
    meta = {"tiers": files, "count": len(props), "bounds": list(bounds) if bounds else None,
            "problems": [p.__dict__ for p in problems], "file": str(spec.file)}
    (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    try:
        os.replace(work, entry)  # whole or not at all: a reader never sees half an entry
    except OSError:  # another console filled it first
        shutil.rmtree(work, ignore_errors=True)
    return LoadedLayer(spec, key, tiers=_tiers({"tiers": files}, entry), count=len(props), problems=problems,
                       bounds=bounds)
