"""The simulated city's catalog: Shanghai's real districts and all 215 streets and towns, and the
indicators the simulator publishes, loaded from `resources/`; and the one place that builds the heavy
street-level catalog (N indicators per street at 1 Hz) for `--street-indicators` and the benchmarks."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache

from console.feed.decoder import decode_indicator, decode_region
from console.feed.frames import Indicator, Region
from console.resources import resource

# Streets where crowds gather (热点区域): the Bund, Nanjing Road East, Yuyuan Garden, Lujiazui, Xujiahui.
HOTSPOT_NAMES = ("外滩", "南京东路", "豫园", "陆家嘴", "徐家汇", "五角场")


@dataclass(frozen=True, slots=True)
class SimIndicator:
    indicator: Indicator
    base: float
    amp: float
    rhythm: str
    noise: float
    lo: float
    hi: float
    kind: str  # "level" or "count" (counts are whole numbers)


@cache
def load_regions() -> tuple[Region, ...]:
    doc = json.loads(resource("shanghai", "regions.json").read_text(encoding="utf-8"))
    return tuple(decode_region(r) for r in doc["regions"])


@cache
def load_indicators() -> tuple[SimIndicator, ...]:
    doc = json.loads(resource("simulator", "indicators.json").read_text(encoding="utf-8"))
    out = []
    for d in doc["indicators"]:
        s = d["sim"]
        out.append(SimIndicator(decode_indicator(d), s["base"], s["amp"], s["rhythm"], s["noise"],
                                s["lo"], s["hi"], s["kind"]))
    return tuple(out)


def street_indicators(n: int) -> tuple[SimIndicator, ...]:
    """`n` street indicators, each at 1 Hz: the shipped street indicators first, then synthetic channels
    (to load-test a whole city at street level) shaped like the shipped district indicators,
    named as such. Counts roll up as sums (and so carry no thresholds), levels as means."""
    shipped = load_indicators()
    street = [s for s in shipped if s.indicator.scope == "street"]
    # district indicators: their figures and thresholds were made for one value per area, spread between areas
    shapes = [s for s in shipped if s.indicator.scope == "district" and s.kind != "declared"]
    out = [replace(s, indicator=replace(s.indicator, cadence_s=1.0)) for s in street[:n]]
    for j in range(len(out), n):
        s = shapes[j % len(shapes)]
        i = s.indicator
        summed = s.kind == "count"
        ind = replace(i, id=f"{i.id}.street{j:03d}", name_zh=f"{i.name_zh}（街镇通道{j:03d}）",
                      name_en=f"{i.name_en} (street channel {j:03d})", scope="street", cadence_s=1.0,
                      warn=None if summed else i.warn, alarm=None if summed else i.alarm,
                      rollup="sum" if summed else "mean")
        out.append(replace(s, indicator=ind))
    return tuple(out)


def sim_catalog(n_street: int | None = None) -> tuple[SimIndicator, ...]:
    """What the simulator publishes: every shipped indicator (a few per street at their own cadences), or,
    with `n_street`, the shipped city, district and hotspot indicators plus `n_street` per street at 1 Hz."""
    if n_street is None:
        return load_indicators()
    return tuple(s for s in load_indicators() if s.indicator.scope != "street") + street_indicators(n_street)


def hotspots(regions: tuple[Region, ...]) -> list[Region]:
    streets = [r for r in regions if r.level == "street"]
    hot = [r for r in streets if any(r.name_zh.startswith(n) for n in HOTSPOT_NAMES)]
    return hot or streets[:4]


def regions_for_scope(scope: str, regions: tuple[Region, ...]) -> list[Region]:
    if scope == "city":
        return [r for r in regions if r.level == "city"]
    if scope == "hotspot":
        return hotspots(regions)
    return [r for r in regions if r.level == scope]
