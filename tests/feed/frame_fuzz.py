"""Fuzzing the two readers of the wire: the console's decoder (server frames, then the model they go
into) and the server's client-frame reader (console/feed/client_session.py, then the authority's
command desk). A byte-level mutator works over real frames, captured from the real simulator.

- `corpus()`: server frames a console received from the simulator (hello, catalog, snapshot, samples,
  events, replies, heartbeats, errors) and the client frames the console sends (auth, subscribe,
  resync, ping, commands as the journal writes them).
- `mutate()`: stacked havoc in the manner of AFL: bit flips, interesting bytes, deletions, duplications,
  insertions, splices from another frame, truncation, and JSON tokens swapped for hostile ones.
- `Harness`: runs one frame through a reader and names the outcome (a reject reason, a session's
  answer); a crash is any exception escaping, or the decoder's own `internal_error`.

`python -m tests.feed.frame_fuzz --frames N` is the long run (`./dev fuzz`): frames tried, outcomes by
reason, crashes, and the process's memory as it goes, as JSON. tests/feed/test_frame_fuzz.py is the
Hypothesis run of the same harness in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import gc
import json
import os
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

import orjson
from websockets.asyncio.client import connect

from console.feed.client_session import ClientSession, Command, Resync, SessionOptions, Subscribe
from console.feed.decoder import Decoder, Reason
from console.feed.protocol import CommandOp
from console.incidents.command_journal import CommandJournal
from console.model.city_state import CityState
from console.simulator.city_model import SimCity
from console.simulator.command_desk import BadCommand, CommandDesk
from console.simulator.run import CityOptions, make_server
from console.simulator.server import ServerOptions

TOKEN = "fuzz-t0ken"
INTERESTING_BYTES = b'\x00\xff\x7f\x80"\\{}[],:-09eE.\xc0\xed\xf4\xfe \n'
HOSTILE_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-0", b"1e-400", b"18446744073709551616",
                  b"-9223372036854775809", b'""', b"null", b"true", b"false", b"[]", b"{}", b'"\\ud800"',
                  b'"\\u0000"', b"[[[[[[[[[[]]]]]]]]]]", b'"' + "城运".encode() * 50 + b'"', b"0.0", b"-1"]
MAX_CORPUS_FRAME = 256 * 1024  # bigger frames are cut down to their first rows (a mutation is per frame)


# ------------------------------------------------------------------ corpus
@functools.cache
def corpus() -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """(server frames, client frames), real ones: captured from the simulator, sent as the console does."""
    return asyncio.run(_capture())


async def _capture() -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    server = make_server(CityOptions(seed=3, incident_rate_per_min=120, auto_handle=0.5, history_s=60,
                                     hostile=True), ServerOptions(speed=60, token=TOKEN, skip_seq_every=25))
    port = await server.start()
    got: list[bytes] = []
    journal = CommandJournal(":memory:")
    client = [orjson.dumps({"type": "auth", "token": TOKEN}),
              orjson.dumps({"type": "subscribe", "topics": ["samples", "events"]}),
              orjson.dumps({"type": "subscribe", "topics": ["samples", "events"], "regions": ["310101"],
                            "domains": ["traffic", "water"]}),
              orjson.dumps({"type": "resync"}), orjson.dumps({"type": "ping"})]
    try:
        async with connect(f"ws://127.0.0.1:{port}", additional_headers={"Authorization": f"Bearer {TOKEN}"},
                           max_size=None, proxy=None) as ws:
            await ws.send(client[1].decode())
            deadline = time.monotonic() + 2.0
            commanded = False
            while time.monotonic() < deadline:
                try:
                    raw = await asyncio.wait_for(ws.recv(decode=False), 0.5)
                except TimeoutError:
                    continue
                got.append(raw)
                if not commanded and server.city.events:
                    commanded = True
                    for ev in list(server.city.events.values())[:3]:
                        for op, ver in ((CommandOp.ACKNOWLEDGE, ev.version), (CommandOp.CLOSE, ev.version),
                                        (CommandOp.DISPATCH, ev.version + 5)):
                            cmd = journal.record("city", op, ev.id, ver, "值班员<甲>", "duty_officer",
                                                 {"assignee": "一班", "note": "现场 & \"核实\""})
                            client.append(orjson.dumps(cmd.frame()))
                            await ws.send(client[-1].decode())
                    for raw_client in (client[3], client[4], b"{not json", b'{"type":"nope"}'):
                        await ws.send(raw_client.decode())
    finally:
        journal.close()
        await server.stop()
    return tuple(_cut(f) for f in got), tuple(client)


def _cut(frame: bytes) -> bytes:
    """A frame of at most MAX_CORPUS_FRAME bytes: a big samples/snapshot frame keeps its first rows."""
    if len(frame) <= MAX_CORPUS_FRAME:
        return frame
    obj = orjson.loads(frame)
    for key in ("samples", "values", "events", "indicators", "regions"):
        if isinstance(obj.get(key), list):
            obj[key] = obj[key][: max(1, len(obj[key]) * MAX_CORPUS_FRAME // len(frame) // 2)]
    return orjson.dumps(obj)


# ------------------------------------------------------------------ mutator
def mutate(rng: random.Random, frame: bytes, others: tuple[bytes, ...], rounds: int | None = None) -> bytes:
    """Stacked mutations of `frame` (the same `rng` state gives the same result): half the time on its
    JSON tree (a value, key or type changed: the frame still parses and goes deep), else on its bytes,
    one to eight at a time."""
    if rng.random() < 0.5:
        try:
            obj = orjson.loads(frame)
        except orjson.JSONDecodeError:
            obj = None
        if obj is not None:
            for _ in range(rounds or 1 << rng.randrange(3)):
                obj = _mutate_tree(rng, obj)
            text = _dumps(obj)
            return text if rng.random() < 0.9 else _swap_value(rng, bytearray(text))
    b = bytearray(frame)
    for _ in range(rounds or 1 << rng.randrange(4)):
        op = rng.randrange(9)
        n = len(b)
        if op == 0 and n:  # flip a bit
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # an interesting byte
            b[rng.randrange(n)] = INTERESTING_BYTES[rng.randrange(len(INTERESTING_BYTES))]
        elif op == 2 and n:  # delete a range
            i = rng.randrange(n)
            del b[i:i + rng.randrange(1, 64)]
        elif op == 3 and n:  # duplicate a range
            i = rng.randrange(n)
            j = min(n, i + rng.randrange(1, 64))
            b[j:j] = b[i:j]
        elif op == 4:  # insert random bytes
            i = rng.randrange(n + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        elif op == 5 and others:  # splice in a piece of another frame
            o = others[rng.randrange(len(others))]
            if o:
                i, k = rng.randrange(n + 1), rng.randrange(len(o))
                b[i:i + rng.randrange(64)] = o[k:k + rng.randrange(1, 128)]
        elif op == 6 and n:  # truncate
            del b[rng.randrange(n):]
        elif op in (7, 8) and n:  # a value swapped for a hostile JSON token, in place
            b = bytearray(_swap_value(rng, b))
    return bytes(b)


def _dumps(obj) -> bytes:
    """The stdlib's JSON: it writes what orjson refuses to (integers beyond 64 bits, NaN)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _swap_value(rng: random.Random, b: bytearray) -> bytes:
    """A scalar value (after `:`, `,` or `[`) replaced by a hostile token: the JSON usually still parses."""
    starts = [i + 1 for i in range(len(b)) if b[i] in b":,["] if len(b) < 4096 else \
        [i + 1 for i in (rng.randrange(len(b)) for _ in range(64)) if b[i] in b":,["]
    if not starts:
        return bytes(b)
    i = starts[rng.randrange(len(starts))]
    j = i
    if j < len(b) and b[j] == ord('"'):
        j += 1
        while j < len(b) and b[j] != ord('"'):
            j += 2 if b[j] == ord("\\") else 1
        j += 1
    else:
        while j < len(b) and b[j] not in b",]}":
            j += 1
    b[i:j] = HOSTILE_TOKENS[rng.randrange(len(HOSTILE_TOKENS))]
    return bytes(b)


_SCALARS = (None, True, False, 0, -1, 2**63, -(2**64), 1.5e308, -0.0, 1e-320, "", "NaN", "1.0", "310101",
            "<script>alert(1)</script>", "城运\u0000\ud7ff", [], {}, [[]], {"": None})


def _mutate_tree(rng: random.Random, obj):
    """One change somewhere in a JSON tree: a value replaced, a key dropped or added, a list shortened,
    grown or emptied, a string's type swapped."""
    path, node = [], obj
    while isinstance(node, dict | list) and node and rng.random() < 0.75:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append((node, key))
        node = node[key]
    op = rng.randrange(5)
    if isinstance(node, dict) and op == 0 and node:
        node.pop(rng.choice(list(node)))
        return obj
    if isinstance(node, dict) and op == 1:
        node[rng.choice(["type", "seq", "id", "version", "state", "x", "ts", "event", "samples"])] = \
            copy.deepcopy(rng.choice(_SCALARS))
        return obj
    if isinstance(node, list) and op == 0:
        del node[rng.randrange(len(node) + 1):]
        return obj
    if isinstance(node, list) and op == 1 and node:
        node.extend(copy.deepcopy(node[: rng.randrange(1, 4)]))
        return obj
    new = copy.deepcopy(rng.choice(_SCALARS))
    if op == 2 and isinstance(node, int | float) and not isinstance(node, bool):
        new = rng.choice([str(node), -node, node * 10**rng.randrange(1, 400) if isinstance(node, int) else node])
    if not path:
        return new
    parent, key = path[-1]
    parent[key] = new
    return obj


# ------------------------------------------------------------------ harness
@dataclass
class Harness:
    """The readers under test. Outcomes are counted by name; crashes keep their first traceback."""

    outcomes: Counter = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    decoder: Decoder = field(default_factory=Decoder)
    state: CityState = field(default_factory=CityState)
    desk: CommandDesk = field(default_factory=lambda: CommandDesk(SimCity(seed=1, start_ts=1_763_856_000.0,
                                                                          incident_rate_per_min=60)))
    applied: int = 0

    def prime(self, server_frames) -> None:
        """The model knows the real catalog, and the desk has incidents, so mutated frames reach deep."""
        for raw in server_frames:
            d = self.decoder.decode(raw)
            if d.frame is not None:
                self.state.apply("city", d.frame)
        self.desk.city.new_incidents(1_763_856_000.0 + 600)

    def server_frame(self, raw: bytes) -> str:
        try:
            d = self.decoder.decode(raw)
            if Reason.INTERNAL.value in d.rejects:
                raise AssertionError(f"decoder internal error: {d.detail}")
            if d.frame is None:
                outcome = "rejected:" + next(iter(d.rejects))
            else:
                applied = self.state.apply("city", d.frame)
                reasons = {**d.rejects, **applied.rejects}
                outcome = type(d.frame).__name__ + ("+" + ",".join(sorted(reasons)) if reasons else "")
                self.applied += 1
                if self.applied % 5000 == 0:  # a fresh model now and then: memory is the readers', not a city's
                    catalog = self.state
                    self.state = CityState()
                    self.state.apply_catalog(_catalog_of(catalog))
        except Exception:
            self.crashes.append(traceback.format_exc())
            outcome = "CRASH"
        self.outcomes["server/" + outcome] += 1
        return outcome

    def client_frame(self, raw: bytes) -> str:
        try:
            session = ClientSession(SessionOptions(token=TOKEN), source="fuzz", level="city",
                                    server_time=lambda: 1_763_856_000.0, now=0.0,
                                    authorization=f"Bearer {TOKEN}" if raw[:1] != b"\x00" else None)
            while session.next_outgoing() is not None:  # the hello
                pass
            ev = session.receive(raw)
            if isinstance(ev, Command):
                try:
                    reply, _ = self.desk.handle(ev.frame, 1_763_856_000.0 + 700)
                    outcome = "command:" + ("ok" if reply["ok"] else "refused")
                except BadCommand:
                    outcome = "command:bad_command"
            elif isinstance(ev, Subscribe | Resync):
                outcome = type(ev).__name__.lower()
            else:
                out = session.next_outgoing()
                outcome = orjson.loads(out)["code"] if isinstance(out, bytes) and b'"error"' in out else "none"
                if isinstance(out, bytes) and b'"heartbeat"' in out:
                    outcome = "ping"
        except Exception:
            self.crashes.append(traceback.format_exc())
            outcome = "CRASH"
        self.outcomes["client/" + outcome] += 1
        return outcome


def _catalog_of(state: CityState):
    from console.feed.frames import Catalog

    return Catalog(tuple(state.indicators.values()), tuple(state.regions.values()))


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def by_type(frames: tuple[bytes, ...]) -> list[tuple[bytes, ...]]:
    """The frames grouped by their `type`: a fuzzer picks a type first, so the rare ones get their share."""
    groups: dict[str, list[bytes]] = {}
    for f in frames:
        try:
            kind = str(orjson.loads(f).get("type"))
        except (orjson.JSONDecodeError, AttributeError):
            kind = "not a frame"
        groups.setdefault(kind, []).append(f)
    return [tuple(g) for _, g in sorted(groups.items())]


def long_run(frames: int, seed: int) -> dict:
    server, client = corpus()
    server_types, client_types = by_type(server), by_type(client)
    rng = random.Random(seed)
    h = Harness()
    h.prime(server)
    memory = []
    started = time.perf_counter()
    for i in range(frames):
        if rng.random() < 0.7:
            group = server_types[rng.randrange(len(server_types))]
            h.server_frame(mutate(rng, group[rng.randrange(len(group))], server))
        else:
            group = client_types[rng.randrange(len(client_types))]
            h.client_frame(mutate(rng, group[rng.randrange(len(group))], client))
        if (i + 1) % max(1, frames // 10) == 0:
            gc.collect()
            memory.append(round(rss_mb(), 1))
    took = time.perf_counter() - started
    return {
        "frames": frames, "seed": seed, "seconds": round(took, 1), "frames_per_s": round(frames / took),
        "corpus": {"server_frames": len(server), "client_frames": len(client)},
        "crashes": len(h.crashes), "first_crash": h.crashes[0] if h.crashes else None,
        "rss_mb_each_tenth": memory,
        "rss_growth_after_first_tenth_mb": round(memory[-1] - memory[0], 1) if memory else None,
        "outcomes": dict(sorted(h.outcomes.items(), key=lambda kv: -kv[1])),
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=int(time.time()))
    args = p.parse_args()
    report = long_run(args.frames, args.seed)
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    grew = report["rss_growth_after_first_tenth_mb"] or 0.0
    sys.exit(1 if report["crashes"] or grew > 20.0 else 0)
