"""Connecting to the NATS cluster as one of the roles the cluster's accounts define, without ever
putting a password or an NKEY seed in a log line, an error message or a command line. With a CA in
the credentials, the connection is TLS and the cluster's certificate must chain to that CA (not to the
system's CAs): a node that cannot show one is refused."""

from __future__ import annotations

import json
import logging
import re
import ssl
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)

ROLES = ("admin", "publisher", "authority", "hub", "bridge", "sensor")


@dataclass(frozen=True)
class NatsUser:
    user: str
    password: str | None = None
    seed: str | None = None  # an NKEY seed (SU…): the identity is proved by signing the server's nonce
    ca: str | None = None  # the CA the cluster's certificate must chain to (then TLS)

    def __repr__(self) -> str:  # a dataclass repr would print the secrets
        how = "nkey" if self.seed else "password=***"
        return f"NatsUser({self.user!r}, {how}, ca={self.ca!r})"


def load_creds(path: Path | None, role: str) -> NatsUser | None:
    """The `role`'s user from a credentials file ({"hub": {"user": …, "password": …}, …}); None without a
    file (a server without auth, e.g. a developer's own nats-server)."""
    if path is None:
        return None
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cityops: cannot read NATS credentials {path}: {type(exc).__name__}") from None
    entry = doc.get(role) if isinstance(doc, dict) else None
    secret = entry.get("seed") or entry.get("password") if isinstance(entry, dict) else None
    if not (isinstance(entry, dict) and isinstance(entry.get("user"), str) and isinstance(secret, str)):
        raise SystemExit(f"cityops: NATS credentials {path} have no user for the role {role!r}")
    from console.privacy.scrub import SCRUB

    SCRUB.add_secret(secret)  # never in a log line, whoever writes it
    return NatsUser(entry["user"], entry.get("password"), entry.get("seed"), entry.get("ca"))


_USERINFO = re.compile(r"(\w+://)[^@/]*@")


def redact(text: str) -> str:
    """`nats://user:secret@host` -> `nats://***@host`: for anything that may end up in a log."""
    return _USERINFO.sub(r"\1***@", text)


def split_urls(spec: str) -> list[str]:
    urls = [u.strip() for u in spec.split(",") if u.strip()]
    if not urls:
        raise SystemExit("cityops: --nats needs at least one URL")
    for u in urls:
        if not u.startswith(("nats://", "tls://")):
            raise SystemExit(f"cityops: a NATS URL starts with nats:// or tls://: {redact(u)!r}")
    return urls


async def connect(servers: list[str], who: NatsUser | None, name: str, **kwargs) -> Client:
    """A connection that keeps reconnecting (to any node of the cluster) for as long as the process runs."""

    async def error_cb(exc: Exception) -> None:
        if isinstance(exc, ssl.SSLError) and exc.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY":
            log.debug("nats %s: TLS close raced the last data", name)  # our own close: nothing to warn about
            return
        log.warning("nats %s: %s", name, redact(f"{type(exc).__name__}: {exc}"))

    async def disconnected_cb() -> None:
        if not (nc.is_closed or nc.is_draining):  # our own close says nothing worth a warning
            log.warning("nats %s: disconnected", name)

    async def reconnected_cb() -> None:
        log.info("nats %s: reconnected to %s", name, redact(str(nc.connected_url.geturl() if nc.connected_url else "")))

    opts = dict(servers=servers, name=name, error_cb=error_cb, disconnected_cb=disconnected_cb,
                reconnected_cb=reconnected_cb, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                connect_timeout=3, allow_reconnect=True)
    if who is not None and who.seed:
        opts.update(nkeys_seed_str=who.seed)
    elif who is not None:
        opts.update(user=who.user, password=who.password)
    if who is not None and who.ca:
        from console.jetstream.pki import client_tls

        opts.update(tls=client_tls(who.ca))
    opts.update(kwargs)
    nc = await nats.connect(**opts)
    log.info("nats %s: connected to %s", name, redact(str(nc.connected_url.geturl() if nc.connected_url else "")))
    return nc
