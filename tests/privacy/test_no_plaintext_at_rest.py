"""The bar of issue 22: after a headless session on a feed whose incident details carry a caller's phone
number and ID number, plus the commands and audit entries an operator would leave about that incident,
neither number appears anywhere in the data folder: not in any file's bytes, not inside any zlib or gzip
stream found at any offset of any file. The same session without a key proves the scan finds them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from console.feed.protocol import CommandOp
from console.privacy import at_rest
from tests.frames_factory import catalog, dumps, event, hello, samples

ROOT = Path(__file__).resolve().parents[2]
PHONE, ID_NUMBER = "13912345678", "110101199003071234"
NEEDLES = (PHONE.encode(), ID_NUMBER.encode())


def streams(data: bytes):
    """Every zlib and gzip stream that decompresses from some offset of `data` (whatever the container)."""
    for i in range(len(data) - 2):
        b0, b1 = data[i], data[i + 1]
        if b0 == 0x78 and ((b0 << 8) | b1) % 31 == 0:
            wbits = zlib.MAX_WBITS
        elif b0 == 0x1F and b1 == 0x8B and data[i + 2] == 8:
            wbits = 16 + zlib.MAX_WBITS
        else:
            continue
        try:
            out = zlib.decompressobj(wbits).decompress(data[i:])
        except zlib.error:
            continue
        if out:
            yield i, out


def find_needles(folder: Path) -> list[str]:
    hits = []
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = f.read_bytes()
        for needle in NEEDLES:
            if needle in data:
                hits.append(f"{f.relative_to(folder)}: {needle.decode()} raw")
        for off, out in streams(data):
            for needle in NEEDLES:
                if needle in out:
                    hits.append(f"{f.relative_to(folder)}@{off}: {needle.decode()} in a compressed stream")
    return hits


class PlantedFeed:
    """A feed server in a thread: hello, catalog, then incidents whose details name a caller, updated
    (new versions, the same detail) and readings, until stopped."""

    def __init__(self):
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _handler(self, ws):
        with contextlib.suppress(ConnectionClosed):  # the console's run ends while we still send
            await self._send(ws)

    async def _send(self, ws):
        await ws.send(hello().decode())
        await ws.recv()  # subscribe
        await ws.send(catalog().decode())
        seq = 0
        detail = f"报警人电话 {PHONE}，身份证 {ID_NUMBER}，称路口积水"
        for i in range(200):
            seq += 1
            ev = event(f"P{i % 5}", version=i // 5 + 1, detail=detail, created_ts=time.time())
            await ws.send(dumps({"type": "event", "seq": seq, "event": ev}).decode())
            seq += 1
            await ws.send(samples(seq, [["traffic.congestion_index", "310101", time.time(), float(i % 10)]]).decode())
            await asyncio.sleep(0.03)
        await ws.wait_closed()

    async def _main(self):
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0) as srv:
            self.port = next(iter(srv.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def __enter__(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def session(tmp_path: Path, keyed: bool) -> Path:
    data = tmp_path / "data"
    keys = tmp_path / "keys"  # outside the data folder, as the console insists
    env = {**os.environ, "CITYOPS_DATA_DIR": str(data), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env.pop("CITYOPS_DATA_KEY", None)
    if keyed:
        env["CITYOPS_DATA_KEY_FILE"] = str(keys / "data.key")
        assert subprocess.run([sys.executable, "-m", "console.app.cli", "keys", "init", "--signing"], cwd=ROOT,
                              env=env, capture_output=True, timeout=60).returncode == 0
    with PlantedFeed() as feed:
        p = subprocess.run([sys.executable, "-m", "console.app.cli", "--log-level", "DEBUG", "run", "--headless",
                            "--feed", f"ws://127.0.0.1:{feed.port}", "--duration", "5", "--keyframe-s", "1",
                            "--record", str(data / "recordings" / "session.cityrec"),
                            "--stats-json", str(data / "stats.json")],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert ("IN CLEAR" in p.stderr) is not keyed  # no key: the console says so
    # what an operator leaves about the incident: a journaled command and audit entries, through the real classes
    from console.incidents.audit_log import AuditLog
    from console.incidents.command_journal import CommandJournal
    from console.site import data_key

    source = data_key.configure(env=env)
    try:
        assert (source != "none") is keyed
        journal = CommandJournal(data / "journal.db")
        cmd = journal.record("city", CommandOp.DISPATCH, "P1", 1, "值班员甲", "duty_officer",
                             {"note": f"回电 {PHONE}", "id_card": ID_NUMBER})
        journal.mark_sent(cmd.id)
        journal.answer(cmd.id, False, f"拒绝：{PHONE} 不在名单")
        assert journal.get(cmd.id).args["note"] == f"回电 {PHONE}"
        journal.close()
        audit = AuditLog(data / "audit.jsonl", signing_key=data_key.signing_key(env))
        audit.record("dispatch", "值班员甲", "duty_officer", "P1", "submitted", {"note": f"报警人 {PHONE} {ID_NUMBER}"})
        assert audit.entries()[-1]["detail"]["note"].startswith("报警人 139")
        audit.close()
    finally:
        at_rest.use(None)
    from console.recording.store import Recording

    at_rest.use(data_key.load(env=env)[0])
    try:
        rec = Recording(data / "recordings" / "session.cityrec")
        assert rec.encrypted is keyed
        raws = [raw for _i, _t, _f, raw in rec.frames()]
        assert any(PHONE.encode() in r for r in raws)  # the session did record the planted incidents
        assert rec.keyframe_before(time.time()) is not None
        rec.close()
    finally:
        at_rest.use(None)
    return data


@pytest.mark.slow  # two headless sessions of a few seconds
def test_no_byte_of_a_planted_phone_or_id_number_is_left_in_the_data_folder(tmp_path):
    data = session(tmp_path / "keyed", keyed=True)
    files = {str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()}
    assert {"audit.jsonl", "journal.db", "recordings/session.cityrec", "logs/cityops.log"} <= files
    assert find_needles(data) == []
    # the same session without a key: the scan does find them (in the recording's zlib blobs among others)
    plain = session(tmp_path / "plain", keyed=False)
    hits = find_needles(plain)
    assert any("session.cityrec" in h and "compressed stream" in h for h in hits)
    assert any(h.startswith("audit.jsonl") for h in hits) and any(h.startswith("journal.db") for h in hits)
