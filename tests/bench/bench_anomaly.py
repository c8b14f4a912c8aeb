"""Typical days and anomalies against a known truth: the simulated city for 5 weeks at one reading a
minute (console/simulator/history.py), 4 weeks to learn its typical days, the 5th judged twice through
the console's own path (CityState + the `usual` rule of resources/config/rules.json in the ISA-18.2
alarm book, evaluated once a simulated minute): once with injected anomalies (precision, recall) and
once without them, the same noise (false alarms). Then the cost of building the typical days at the
size of the whole city at street level.

    ./dev bench-anomaly                         # the shipped catalog (1,643 series); then 23,700 series' build
    ./dev bench-anomaly --street-indicators 10  # a bigger city for the judging part
    ./dev bench-anomaly --build-series 23700 --build-only

Scoring (every activation of the rule's alarms is one alarm):
- recall: of the injected anomalies longer than 10 minutes, the share with an alarm on their series
  from their start until 15 minutes after their end;
- precision: of the alarms in the anomalous week, the share raised on a series while one of its
  injected anomalies (any length) ran or within the rule's off-delay + 15 minutes after it;
- false alarms: alarms in the clean week per 100 series per day.
Build: typical days from 4 weeks of per-minute values, a chunk of 1,000 series at a time (values
generated per chunk outside the timing: the same shapes and noise, cheaply), time and the peak of
numpy's allocations (tracemalloc), beside an anchor from the same run: one np.sort of each chunk's
values (the least any percentile by sorting must do)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.alarms.discovery_rules import RuleEngine, load_rules  # noqa: E402
from console.feed.frames import Catalog, SampleBatch  # noqa: E402
from console.model.city_state import CityState, StateConfig  # noqa: E402
from console.normal.day_class import DAY_S, TZ_OFFSET_S, Calendar  # noqa: E402
from console.normal.profiles import build_profiles, profile_chunk  # noqa: E402
from console.normal.usual import Usual  # noqa: E402
from console.resources import resource  # noqa: E402
from console.simulator.city_catalog import sim_catalog  # noqa: E402
from console.simulator.city_model import SimCity  # noqa: E402
from console.simulator.history import HistorySim  # noqa: E402

FIRST_DAY = 20_416  # 2025-11-24, a Monday (Shanghai)
GRACE_S = 900.0


def judge_week(city: SimCity, usual: Usual, week: list[np.ndarray], day0: int, sids: np.ndarray
               ) -> dict[str, list[float]]:
    """Feed a week of minute values of series `sids` through CityState and the `usual` rule; the
    activation times per series."""
    rule = [r for r in load_rules(resource("config", "rules.json")) if r.kind == "usual"]
    eng = RuleEngine(rule, usual=usual)
    state = CityState(StateConfig(max_series=city.n_series + 10))
    state.apply_catalog(Catalog(city.indicators, city.regions))
    inds, regs = np.array(city.series_indicator)[sids], np.array(city.series_region)[sids]
    seen: dict[str, int] = {}
    out: dict[str, list[float]] = {}
    for d, values in enumerate(week):
        t0 = (day0 + d) * DAY_S - TZ_OFFSET_S
        for m in range(values.shape[1]):
            now = t0 + 60 * m + 30
            col = values[sids, m]
            ok = np.isfinite(col)
            state.apply_samples(SampleBatch(inds[ok].tolist(), regs[ok].tolist(), np.full(int(ok.sum()), now),
                                            col[ok].astype(np.float64)))
            eng.evaluate(state, [], now)
            for aid, a in eng.alarms.alarms.items():
                if a.activations != seen.get(aid, 0):
                    seen[aid] = a.activations
                    out.setdefault(aid.split(":", 2)[2], []).append(now)
        print(f"  judged day {d + 1}/{len(week)}", file=sys.stderr, flush=True)
    return out


def score(alarms: dict[str, list[float]], labels: list[tuple[str, str, float, float]], off_delay_s: float) -> dict:
    by_series: dict[str, list[tuple[str, float, float]]] = {}
    for key, kind, a, b in labels:
        by_series.setdefault(key, []).append((kind, a, b))
    n_alarms = sum(len(v) for v in alarms.values())
    true = sum(1 for key, ts in alarms.items() for t in ts
               if any(a <= t <= b + off_delay_s + GRACE_S for _, a, b in by_series.get(key, [])))
    long = [(key, kind, a, b) for key, kind, a, b in labels if b - a > 600]
    hit = {k: [0, 0] for k in ("spike", "drift", "stuck", "dropout")}
    for key, kind, a, b in long:
        found = any(a <= t <= b + GRACE_S for t in alarms.get(key, []))
        hit[kind][0] += found
        hit[kind][1] += 1
    found = sum(h[0] for h in hit.values())
    return {"alarms": n_alarms, "true_alarms": true, "precision": true / n_alarms if n_alarms else None,
            "anomalies_over_10min": len(long), "found": found, "recall": found / len(long) if long else None,
            "recall_by_kind": {k: (round(h[0] / h[1], 3) if h[1] else None, h[1]) for k, h in hit.items()}}


def accuracy(seed: int, street_indicators: int | None, rate: float, n_judged: int) -> dict:
    city = SimCity(seed=seed, sim_indicators=sim_catalog(street_indicators), rest_days=True)
    sids = np.sort(np.random.default_rng(seed).permutation(city.n_series)[:n_judged])
    judge0 = FIRST_DAY + 28
    sim = HistorySim(city, FIRST_DAY, 35, rate, seed=seed + 1)
    t = time.monotonic()
    learn = np.empty((city.n_series, 28, 1440), np.float32)
    week, clean = [], []
    for d in range(35):
        v, c = sim.day_pair(FIRST_DAY + d)
        if d < 28:
            learn[:, d] = v
        else:
            week.append(v)
            clean.append(c)
    gen_s = time.monotonic() - t
    print(f"  {city.n_series} series x 35 days simulated in {gen_s:.0f} s", file=sys.stderr, flush=True)
    t = time.monotonic()
    prof = build_profiles(sim.keys, [(slice(a, a + 1000), learn[a:a + 1000]) for a in range(0, city.n_series, 1000)],
                          np.arange(FIRST_DAY, FIRST_DAY + 28), Calendar(), now=0.0)
    build_s = time.monotonic() - t
    usual = Usual(prof)
    judged = set(sids.tolist())
    labels = [(sim.keys[a.sid], a.kind, a.start_ts, a.end_ts) for a in sim.anomalies
              if a.end_ts > judge0 * DAY_S - TZ_OFFSET_S and a.sid in judged]
    off = next(r for r in load_rules(resource("config", "rules.json")) if r.kind == "usual").off_delay_s
    t = time.monotonic()
    injected = score(judge_week(city, usual, week, judge0, sids), labels, off)
    clean_alarms = judge_week(city, usual, clean, judge0, sids)
    judge_s = time.monotonic() - t
    n_clean = sum(len(v) for v in clean_alarms.values())
    worst = sorted(((len(v), k) for k, v in clean_alarms.items()), reverse=True)[:5]
    return {"series": city.n_series, "judged_series": len(sids), "learn_days": 28, "judge_days": 7,
            "anomalies_per_series_week": rate,
            "history_generation_s": round(gen_s, 1), "profile_build_s": round(build_s, 2),
            "judging_s_both_weeks": round(judge_s, 1), "anomalous_week": injected,
            "clean_week": {"alarms": n_clean, "per_100_series_per_day": round(n_clean / (len(sids) / 100) / 7, 3),
                           "most_alarmed": worst}}


def build_cost(n_series: int, chunk: int = 1000, days: int = 28) -> dict:
    """Typical days for `n_series` x `days` x 1440 minutes, chunk by chunk."""
    rng = np.random.default_rng(3)
    minutes = np.arange(1440)
    shape = (0.5 + 0.5 * np.cos((minutes / 1440 - 14 / 24) * 2 * np.pi)).astype(np.float32)
    day_numbers = np.arange(FIRST_DAY, FIRST_DAY + days)
    classes = Calendar().day_class(day_numbers)
    build = anchor = 0.0
    peak = 0
    for a in range(0, n_series, chunk):
        s = min(chunk, n_series - a)
        noise = rng.standard_normal((s, days, 1440), np.float32) * 3
        cube = (50 + 30 * shape[None, None, :] + noise).astype(np.float32)
        cube[rng.random(cube.shape) < 0.002] = np.nan
        t = time.perf_counter()
        np.sort(cube, axis=-1)
        anchor += time.perf_counter() - t
        tracemalloc.start()
        t = time.perf_counter()
        profile_chunk(cube, classes)
        build += time.perf_counter() - t
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        del cube
    stored = n_series * (2 * 96 * 3 * 4 + 2 * 2 + 4)
    return {"series": n_series, "days": days, "chunk": chunk, "build_s": round(build, 1),
            "anchor_sort_s": round(anchor, 1), "build_over_anchor": round(build / anchor, 2),
            "peak_numpy_mb_in_build": round(peak / 1e6), "chunk_input_mb": round(chunk * days * 1440 * 4 / 1e6),
            "profiles_mb_uncompressed": round(stored / 1e6, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--street-indicators", type=int, default=None)
    ap.add_argument("--anomalies", type=float, default=0.5, help="injected per series per week")
    ap.add_argument("--judged", type=int, default=600,
                    help="series judged (a random sample; all are simulated and learned; default 600)")
    ap.add_argument("--build-series", type=int, default=23_700)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    out: dict = {}
    if not a.build_only:
        out["accuracy"] = acc = accuracy(a.seed, a.street_indicators, a.anomalies, a.judged)
        print(json.dumps(acc, ensure_ascii=False, indent=1), flush=True)
    out["build"] = b = build_cost(a.build_series)
    print(json.dumps(b, indent=1))
    if a.json:
        a.json.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
