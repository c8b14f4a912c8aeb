"""Where the console's data key and audit signing key come from (docs/security.md). First match wins:

1. CITYOPS_DATA_KEY: the key itself, base64 (a kiosk whose service manager injects it; several keys
   comma-separated, newest first, while a rotation is under way);
2. CITYOPS_DATA_KEY_FILE: a key file (`cityops keys init` writes one);
3. CITYOPS_DATA_KEY_KEYRING=1: the OS keyring through `keyring` (service "cityops", name "data-key"),
   when that package and a keyring backend are installed;
4. the key file in the configuration folder (`data.key` beside cityops.toml's default place), if present.

A key file must be readable by its owner only (the service user), and must not sit inside a folder the
console writes data to: a copied data folder must not carry its own key. No key: the console runs and
records in clear, with a warning on every start (README: "Encryption at rest").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher, DataKeyError
from console.site.paths import APP, Places

KEY_NAME = "data.key"
SIGNING_NAME = "audit-signing.key"
KEYRING_SERVICE, KEYRING_NAME = "cityops", "data-key"


def key_folder() -> Path:
    """The default place for the key files: the user's configuration folder (never the data folder)."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_key_file(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env["CITYOPS_DATA_KEY_FILE"]) if env.get("CITYOPS_DATA_KEY_FILE") else key_folder() / KEY_NAME


def beside_the_data(path: Path, places: Places | None) -> Path | None:
    if places is None:
        return None
    p = path.resolve()
    for name in ("recordings", "journal", "logs", "data", "layouts"):
        folder = getattr(places, name).resolve()
        if p.is_relative_to(folder):
            return folder
    return None


def _checked_file(path: Path, places: Places | None) -> list[bytes]:
    folder = beside_the_data(path, places)
    if folder is not None:
        raise DataKeyError(f"data key file {path} lies inside the data folder {folder}: whoever copies the data "
                           "would have the key too; keep it elsewhere (the configuration folder, /etc/cityops)")
    return at_rest.read_key_file(path)


def load(places: Places | None = None, env: Mapping[str, str] | None = None) -> tuple[BlobCipher | None, str]:
    """(cipher, where the key came from) or (None, "none"). Raises DataKeyError with a reason to show."""
    env = os.environ if env is None else env
    if env.get("CITYOPS_DATA_KEY"):
        return BlobCipher(at_rest.decode_keys(env["CITYOPS_DATA_KEY"], "CITYOPS_DATA_KEY")), "env CITYOPS_DATA_KEY"
    if env.get("CITYOPS_DATA_KEY_FILE"):
        path = Path(env["CITYOPS_DATA_KEY_FILE"])
        return BlobCipher(_checked_file(path, places)), f"file {path}"
    if env.get("CITYOPS_DATA_KEY_KEYRING", "") not in ("", "0"):
        return BlobCipher(_from_keyring()), f"keyring {KEYRING_SERVICE}/{KEYRING_NAME}"
    path = key_folder() / KEY_NAME
    if path.exists():
        return BlobCipher(_checked_file(path, places)), f"file {path}"
    return None, "none"


def _from_keyring() -> list[bytes]:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise DataKeyError("CITYOPS_DATA_KEY_KEYRING is set but the `keyring` package is not installed") from None
    try:
        text = keyring.get_password(KEYRING_SERVICE, KEYRING_NAME)
    except keyring.errors.KeyringError as exc:
        raise DataKeyError(f"the OS keyring is not available: {exc}") from None
    if not text:
        raise DataKeyError(f"no {KEYRING_SERVICE}/{KEYRING_NAME} secret in the OS keyring")
    return at_rest.decode_keys(text, "the OS keyring")


def configure(places: Places | None = None, env: Mapping[str, str] | None = None) -> str:
    """Load the key and make it the process's (at_rest.use); returns where it came from."""
    cipher, source = load(places, env)
    at_rest.use(cipher)
    return source


def signing_key(env: Mapping[str, str] | None = None):
    """This console's Ed25519 audit signing key (PEM, owner-only), or None when there is none."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    env = os.environ if env is None else env
    named = env.get("CITYOPS_AUDIT_SIGNING_KEY")
    path = Path(named) if named else key_folder() / SIGNING_NAME
    if not named and not path.exists():
        return None
    at_rest.check_owner_only(path)
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise DataKeyError(f"audit signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DataKeyError(f"{path}: not an Ed25519 private key")
    return key


def write_signing_key(path: Path) -> Path:
    """A new Ed25519 key (owner-only PEM) and its public half beside it (`.pub`, for `audit verify --trust`)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    finally:
        os.close(fd)
    pub = path.with_suffix(".pub")
    pub.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return pub
