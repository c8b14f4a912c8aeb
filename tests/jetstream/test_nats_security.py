"""The NATS engine secured as its makers secure it, against real nats-server nodes: TLS required on the
client port (a plaintext client gets no service), NKEY identities (no credentials or an unknown key:
refused), routes in TLS with each node checking the other's certificate, and a client that does not hold
the cluster's CA refuses the cluster (a hub never talks to a node it cannot verify)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time

import nats
import pytest
from nats.errors import NoServersError

from console.jetstream.cluster import LocalCluster
from console.jetstream.connect import NatsUser, connect
from console.jetstream.pki import client_tls, make_local_ca, new_user_nkey

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    c = LocalCluster(2).start()  # two nodes: a route between them
    try:
        yield c
    finally:
        c.stop()


async def _refused(cluster, **opts) -> Exception:
    with pytest.raises(Exception) as err:  # which error depends on the stage that refuses
        nc = await nats.connect(servers=cluster.urls[:1], allow_reconnect=False, max_reconnect_attempts=0,
                                connect_timeout=3, **opts)
        await nc.close()
    return err.value


def test_a_plaintext_client_gets_no_service(cluster):
    with socket.create_connection((cluster.host, cluster.client_ports[0]), timeout=5) as s:
        info = json.loads(s.recv(4096).split(b" ", 1)[1])
        assert info["tls_required"] is True
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')  # in clear, as an old client would
        got = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
    assert b"PONG" not in got


def test_no_identity_or_an_unknown_nkey_is_refused(cluster):
    ca = cluster.users["hub"]["ca"]
    err = asyncio.run(_refused(cluster, tls=client_tls(ca)))
    assert "authorization" in str(err).lower() or isinstance(err, NoServersError)
    stranger, _pub = new_user_nkey()
    err = asyncio.run(_refused(cluster, tls=client_tls(ca), nkeys_seed_str=stranger))
    assert "authorization" in str(err).lower() or isinstance(err, NoServersError)
    # a password for an NKEY role is no way in either
    err = asyncio.run(_refused(cluster, tls=client_tls(ca), user="hub", password="guess"))
    assert "authorization" in str(err).lower() or isinstance(err, NoServersError)


def test_the_roles_identity_gets_in_and_is_held_to_its_permissions(cluster):
    async def go():
        errors = []

        async def on_error(exc):
            errors.append(str(exc))

        hub = await connect(cluster.urls, NatsUser(**cluster.users["hub"]), "t-hub", error_cb=on_error)
        try:
            await hub.publish("city.samples.310101", b"{}")  # a hub may not write readings
            await hub.flush()
            await asyncio.sleep(0.5)
        finally:
            await hub.close()
        return errors

    errors = asyncio.run(go())
    assert any("permissions violation" in e.lower() for e in errors), errors


def test_a_client_without_the_cluster_ca_refuses_the_cluster(cluster, tmp_path):
    seed = cluster.users["hub"]["seed"]
    err = asyncio.run(_refused(cluster, tls=ssl.create_default_context(), nkeys_seed_str=seed))  # the system's CAs
    assert isinstance(err, (ssl.SSLCertVerificationError, NoServersError)) or "certificate" in str(err).lower()
    other = make_local_ca(tmp_path / "other", ["127.0.0.1"])  # another site's CA
    err = asyncio.run(_refused(cluster, tls=client_tls(other.ca), nkeys_seed_str=seed))
    assert isinstance(err, (ssl.SSLCertVerificationError, NoServersError)) or "certificate" in str(err).lower()
    # and the right CA gets in (the two refusals above were about the CA, not something else)
    async def ok():
        nc = await nats.connect(servers=cluster.urls[:1], allow_reconnect=False, max_reconnect_attempts=0,
                                connect_timeout=3, tls=client_tls(cluster.tls.ca), nkeys_seed_str=seed)
        await nc.close()
    asyncio.run(ok())


def test_routes_are_tls_with_verified_certificates(cluster):
    conf = (cluster.dir / "n1.conf").read_text()
    assert "verify: true" in conf.split("cluster {", 1)[1]
    deadline = time.monotonic() + 20
    while "Route connection created" not in (cluster.dir / "n1.log").read_text():
        assert time.monotonic() < deadline, "the two nodes never formed a route over TLS"
        time.sleep(0.2)
    # a plaintext route attempt is not a route
    port = cluster.route_ports[0]
    with socket.create_connection((cluster.host, port), timeout=5) as s:
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"name":"intruder"}\r\nPING\r\n')
        s.settimeout(3)
        got = b""
        try:
            while chunk := s.recv(4096):
                got += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    assert b"PONG" not in got
    assert "seed" not in conf and "password" in conf  # only the MQTT sensor's password; NKEY roles by public key
    for role in ("admin", "publisher", "authority", "hub", "bridge"):
        assert cluster.users[role]["seed"] not in conf
