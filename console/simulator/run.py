"""Running the simulator: in the foreground (`cityops simulate`) or on a thread beside the console
(`cityops demo`), where its own event loop keeps the GUI thread free."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass

from console.simulator.city_catalog import sim_catalog
from console.simulator.city_model import SimCity
from console.simulator.server import ServerOptions, SimServer
from console.site.process import stop_on_signals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CityOptions:
    seed: int = 7
    incident_rate_per_min: float = 2.0
    auto_handle: float = 0.7
    hostile: bool = False
    episode_rate_per_hour: float = 6.0
    history_s: float = 3600.0  # simulated past sent to each new subscriber (0: none) ...
    history_max_samples: int = 4_000_000  # ... at most this many readings of it (24 B each) ...
    street_indicators: int | None = None  # N per street at 1 Hz instead of the shipped few (city_catalog)
    rest_days: bool = False  # weekends follow rest-day rhythms (as `cityops simulate-history` writes them)
    # (seconds after start, duration s, level 1–4, district codes): a declared emergency response
    emergency: tuple[float, float, int, tuple[str, ...]] | None = None
    # simulated seconds of incidents only (no readings) before the history: a blue incident left to the
    # console waits a day for the district's officers, so the open incidents fill for ~26 h before they
    # level off; a city settled that long starts as it will go on (0: the history's hour only)
    settle_s: float = 0.0


def _history_budget(city_opt: CityOptions, server_opt: ServerOptions) -> int:
    """Readings of backfill kept: ... and no more than half of what a client's send queue holds, so a
    new subscriber's backfill, the stream meanwhile and its snapshot all reach it (a fuller queue drops
    frames, and the snapshot with them)."""
    return min(city_opt.history_max_samples, server_opt.queue_frames * max(server_opt.batch, 1) // 2)


def make_server(city_opt: CityOptions, server_opt: ServerOptions, start_ts: float | None = None) -> SimServer:
    t0 = time.time() if start_ts is None else start_ts
    # An hour of simulated past, so a console that connects sees trends and incidents in progress
    # at once (and every series, whatever its cadence, has a latest value for the first snapshot) ...
    start = t0 - max(city_opt.history_s, 300.0, city_opt.settle_s)
    city = SimCity(seed=city_opt.seed, start_ts=start, incident_rate_per_min=city_opt.incident_rate_per_min,
                   auto_handle=city_opt.auto_handle, hostile=city_opt.hostile,
                   episode_rate_per_hour=city_opt.episode_rate_per_hour, history_s=city_opt.history_s,
                   history_max_samples=_history_budget(city_opt, server_opt),
                   sim_indicators=sim_catalog(city_opt.street_indicators), rest_days=city_opt.rest_days)
    # ... less when its readings would not fit in the history kept (the whole city at street level at
    # 1 Hz): the readings before what is kept are skipped, not made
    city.history_s = min(city_opt.history_s, city.history_max_samples / city.samples_per_s)
    if city_opt.emergency is not None:
        at, dur, level, districts = city_opt.emergency
        city.schedule_emergency(t0 + at, dur, level, districts)
    t = t0 - max(city.history_s, 300.0)
    settle = start
    while settle < t:  # the incidents' own past, a minute at a time: no readings, so no sensor incidents
        settle = min(t, settle + 60.0)
        city.new_incidents(settle)
        city.auto_progress(settle)
    if t > start:
        city.skip_to(t)
    step = min(30.0, max(1.0, city.history_s / 4))  # a step's readings must fit in the history
    while t < t0:
        t = min(t0, t + step)
        city.due_samples(t)
        city.new_incidents(t)
        city.auto_progress(t)
    return SimServer(city, server_opt, start_ts=t0)


async def serve_until_stopped(server: SimServer, host: str, port: int, duration: float | None = None) -> None:
    stop = stop_on_signals()  # in place before we say we listen
    actual = await server.start(host, port)
    print(f"simulator listening on ws://{host}:{actual}", flush=True)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
    finally:
        await server.stop()


class SimulatorThread:
    """The simulator on a daemon thread with its own asyncio loop; `start()` returns the port."""

    def __init__(self, server: SimServer, host: str = "127.0.0.1", port: int = 0):
        self.server, self.host, self.port = server, host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="simulator", daemon=True)

    def start(self, timeout: float = 10.0) -> int:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("simulator did not start in time")
        if self._error:
            raise RuntimeError(f"simulator failed to start: {self._error}") from self._error
        return self.port

    def _main(self) -> None:
        # asyncio.run cancels and awaits whatever is left when the server stops: a clean exit
        asyncio.run(self._amain())

    async def _amain(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.port = await self.server.start(self.host, self.port)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.server.stop()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is None or self._stop is None or not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
