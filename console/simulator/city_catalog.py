"""The simulated city's catalog: Shanghai's real districts and some streets, and the indicators the
simulator publishes, loaded from `resources/`."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
