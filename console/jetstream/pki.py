"""The NATS cluster's identities, made with maintained libraries: a local certificate authority and the
nodes' TLS certificate (`cryptography`, Apache-2.0/BSD), and one NKEY per role (`nkeys`, Apache-2.0;
Ed25519 key pairs that nats-server checks by challenge, so no password crosses the wire or sits in the
server's configuration: only the public keys do).

`./dev cluster` and the tests make a fresh CA per cluster. A site uses its own CA instead: it gives the
node certificate, its key and the CA certificate to `LocalCluster(tls=SiteTls(...))` or writes the same
`tls {}` blocks into its own nats-server configuration (docs/deployment.md, "TLS and NKEYs").
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import nkeys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class SiteTls:
    """The files a node's TLS needs: its certificate and key, and the CA that signed every node's."""
    cert: Path
    key: Path
    ca: Path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CityOps local cluster"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_local_ca(folder: Path, hosts: list[str], days: int = 30) -> SiteTls:
    """A CA and one node certificate for `hosts` (names or IP addresses), valid for server and route
    (client) use: every node presents it to clients and to the other nodes. Keys are 0600."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("CityOps local CA")).issuer_name(_name("CityOps local CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False),
                              critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    cert = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    tls = SiteTls(folder / "node-cert.pem", folder / "node-key.pem", folder / "ca.pem")
    tls.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    tls.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(tls.key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    # the CA's key is not kept: nothing else will be signed with it (a new cluster makes a new CA)
    return tls


def new_user_nkey() -> tuple[str, str]:
    """(seed, public key) of a new NATS user identity: the seed stays with the client, the public key
    goes into the server's configuration."""
    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()
    return seed, nkey_public(seed)


def nkey_public(seed: str) -> str:
    kp = nkeys.from_seed(bytearray(seed.encode()))
    try:
        return kp.public_key.decode()
    finally:
        kp.wipe()


def client_tls(ca: Path | str) -> ssl.SSLContext:
    """What a client of the cluster trusts: this CA only (not the system's), with the host name checked."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
