"""Ingest without sockets, in CPU time: the simulator's pre-rendered `samples` frames through Decoder and
CityState.apply, beside `orjson.loads` of the same frames (the bare loop's parse), per frame; and what
websockets' frame parser spends taking the same frames off the wire.

    python tests/bench/bench_ingest_cpu.py                    # batches of 1, 10, 100, 1000; prints JSON
    python tests/bench/bench_ingest_cpu.py --code /tmp/before # the console of another tree (git archive)
    python tests/bench/bench_ingest_cpu.py --parts            # also what a reading's steps cost, one by one

Process CPU time, not wall time: on a shared machine the socket benchmark (`./dev bench`) varies twice
over between runs; this one isolates what the console spends per frame. The first 10% of the frames
warm the state up (every series' first reading), as in `./dev bench`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

import orjson  # noqa: E402

from console.feed.decoder import Decoder  # noqa: E402
from console.model.city_state import CityState  # noqa: E402
from console.simulator.city_model import SimCity  # noqa: E402


def frames_of(batch: int, total: int) -> tuple[bytes, list[bytes]]:
    city = SimCity(seed=1, start_ts=1.7e9)
    cat = orjson.dumps({"type": "catalog", "indicators": [i.to_wire() for i in city.indicators],
                        "regions": [r.to_wire() for r in city.regions]})
    ind, reg = city.series_indicator, city.series_region
    out, now, seq, left = [], 1.7e9 + 10, 2, total
    while left > 0:  # as the simulator's --burst
        n = min(batch, left)
        sids, ts, vals = city.rate_samples(n, now)
        rows = [[ind[i], reg[i], t, v] for i, t, v in zip(sids.tolist(), ts.tolist(), vals.tolist(), strict=True)]
        out.append(orjson.dumps({"type": "samples", "seq": seq, "samples": rows}))
        seq, left, now = seq + 1, left - n, now + n / city.n_series  # every series once a second
    return cat, out


def run(batch: int, total: int) -> dict:
    cat, frames = frames_of(batch, total)
    dec, state = Decoder(), CityState()
    state.apply("bench", dec.decode(cat).frame)
    warm = len(frames) // 10
    for f in frames[:warm]:
        state.apply("bench", dec.decode(f).frame)
    rest = frames[warm:]
    c = time.process_time()
    for f in rest:
        orjson.loads(f)
    bare = (time.process_time() - c) / len(rest)
    c = time.process_time()
    for f in rest:
        state.apply("bench", dec.decode(f).frame)
    ours = (time.process_time() - c) / len(rest)
    return {"batch": batch, "frames": len(rest), "orjson_us_per_frame": round(bare * 1e6, 1),
            "console_us_per_frame": round(ours * 1e6, 1), "ratio": round(bare / ours, 3),
            "websocket_frames_us_per_frame": round(wire_parse(rest) * 1e6, 1)}


def wire_parse(frames: list[bytes]) -> float:
    """CPU seconds a frame for websockets' own frame parser (its Sans-I/O layer, as every websockets client
    runs it) to take the frames off the wire in 64 KB reads: the part of the bare loop's receive that is
    not the asyncio connection's handing over of each message (`./dev bench` measures the whole loop)."""
    from websockets.frames import Frame, Opcode
    from websockets.protocol import Protocol, Side, State

    wire = b"".join(Frame(Opcode.TEXT, f).serialize(mask=False, extensions=[]) for f in frames)
    proto, got = Protocol(Side.CLIENT, state=State.OPEN, max_size=None), 0
    c = time.process_time()
    for i in range(0, len(wire), 65536):
        proto.receive_data(wire[i : i + 65536])
        got += len(proto.events_received())
    spent = time.process_time() - c
    assert got == len(frames), (got, len(frames))
    return spent / len(frames)


def parts(batch: int, total: int) -> dict:
    """Per frame: msgspec's typed decode beside orjson's parse (and with the catalog's own ids and codes as
    the schema's literals, which hands back the catalog's string objects, their hashes kept); per reading:
    its two names mapped to a series (a dict of name pairs, as CityState's), with msgspec's new strings and
    with the interned ones, and its columns built from the decoded rows (zip, then two numpy arrays)."""
    from typing import Literal

    import msgspec
    import numpy as np

    from console.feed.decoder import _samples_frame

    city = SimCity(seed=1, start_ts=1.7e9)
    inds, regs = tuple(sorted(i.id for i in city.indicators)), tuple(sorted(r.code for r in city.regions))

    row = tuple[Literal[inds], Literal[regs], float, float]  # type: ignore[valid-type]
    fields = [("type", Literal["samples"]), ("seq", int), ("samples", list[row])]
    interned = msgspec.json.Decoder(msgspec.defstruct("Interned", fields))
    frames = frames_of(batch, total)[1]

    def best(fn, items, per: int) -> float:  # the least of three passes: the machine's noise only adds
        out = []
        for _ in range(3):
            c = time.process_time()
            for x in items:
                fn(x)
            out.append((time.process_time() - c) / len(items) / per)
        return min(out)

    series = {(a, b): k for k, (a, b) in enumerate((a, b) for a in inds for b in regs)}

    def lookup(rows):
        return [series.get((r[0], r[1])) for r in rows]

    def columns(rows):
        _, _, ts, vals = zip(*rows, strict=True)
        return np.array(ts, dtype=np.float64), np.array(vals, dtype=np.float64)

    plain = [_samples_frame.decode(f).samples for f in frames]
    kept = [interned.decode(f).samples for f in frames]
    return {"batch": batch, "orjson_us_per_frame": round(best(orjson.loads, frames, 1) * 1e6, 1),
            "msgspec_us_per_frame": round(best(_samples_frame.decode, frames, 1) * 1e6, 1),
            "msgspec_interned_us_per_frame": round(best(interned.decode, frames, 1) * 1e6, 1),
            "lookup_ns_per_reading": round(best(lookup, plain, batch) * 1e9),
            "lookup_interned_ns_per_reading": round(best(lookup, kept, batch) * 1e9),
            "columns_ns_per_reading": round(best(columns, kept, batch) * 1e9)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1,10,100,1000")
    ap.add_argument("--samples", type=int, default=100_000, help="readings per batch size (batch 1: a fifth)")
    ap.add_argument("--code", type=Path, default=None, help="import console/ from this tree")
    ap.add_argument("--parts", action="store_true", help="also a reading's steps one by one (batches of 100, 1000)")
    args = ap.parse_args()
    import console
    res = [run(b, args.samples // 5 if b == 1 else args.samples) for b in map(int, args.batches.split(","))]
    out = {"benchmark": "ingest_cpu", "code": str(Path(console.__file__).parent.parent),
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": res}
    if args.parts:
        out["parts"] = [parts(b, args.samples) for b in (100, 1000)]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
