"""Where the data key may come from, and the refusals: a key file others may read, a key file inside the
data folder, a malformed key, an encrypted recording opened without its key (a message, not a traceback)."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher, DataKeyError, generate_key
from console.site import data_key
from console.site.paths import resolve

ROOT = Path(__file__).resolve().parents[2]


def test_a_sealed_blob_opens_only_with_its_key_and_its_purpose():
    k = generate_key()
    c = BlobCipher([k])
    blob = c.seal(b"13912345678", b"frame")
    assert b"13912345678" not in blob and c.open(blob, b"frame") == b"13912345678"
    with pytest.raises(DataKeyError, match="integrity"):
        c.open(blob, b"keyframe")  # moved to another table
    with pytest.raises(DataKeyError, match="not configured"):
        BlobCipher([generate_key()]).open(blob, b"frame")
    assert BlobCipher([generate_key(), k]).open(blob, b"frame") == b"13912345678"  # rotation: old keys open


def test_a_key_file_others_may_read_is_refused(tmp_path):
    p = tmp_path / "data.key"
    at_rest.write_key_file(p, [generate_key()])
    assert len(at_rest.read_key_file(p)) == 1
    os.chmod(p, 0o640)
    with pytest.raises(DataKeyError, match=r"readable or writable by group/others.*chmod 600"):
        at_rest.read_key_file(p)


def test_a_key_file_inside_the_data_folder_is_refused(tmp_path):
    data = tmp_path / "data"
    places = resolve(env={"CITYOPS_DATA_DIR": str(data)})
    inside = data / "recordings" / "data.key"
    at_rest.write_key_file(inside, [generate_key()])
    with pytest.raises(DataKeyError, match="inside the data folder"):
        data_key.load(places, {"CITYOPS_DATA_KEY_FILE": str(inside)})
    outside = tmp_path / "etc" / "data.key"
    at_rest.write_key_file(outside, [generate_key()])
    cipher, source = data_key.load(places, {"CITYOPS_DATA_KEY_FILE": str(outside)})
    assert cipher is not None and source == f"file {outside}"


def test_keys_from_the_environment(tmp_path):
    k1, k2 = generate_key(), generate_key()
    env = {"CITYOPS_DATA_KEY": f"{base64.b64encode(k1).decode()},{base64.b64encode(k2).decode()}"}
    cipher, source = data_key.load(None, env)
    assert source == "env CITYOPS_DATA_KEY" and cipher.current_id == at_rest.key_id(k1) and len(cipher.key_ids) == 2
    with pytest.raises(DataKeyError, match="32 bytes"):
        data_key.load(None, {"CITYOPS_DATA_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(DataKeyError, match="not a data key"):
        data_key.load(None, {"CITYOPS_DATA_KEY": "not base64 at all!"})


def test_an_encrypted_recording_without_its_key_is_a_refusal_not_a_traceback(tmp_path):
    from tests.recordings import make_recording

    at_rest.use(BlobCipher([generate_key()]))
    try:
        make_recording(tmp_path / "s.cityrec")
    finally:
        at_rest.use(None)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "CITYOPS_DATA_DIR": str(tmp_path / "d")}
    env.pop("CITYOPS_DATA_KEY", None)
    env.pop("CITYOPS_DATA_KEY_FILE", None)
    p = subprocess.run([sys.executable, "-m", "console.app.cli", "export", str(tmp_path / "s.cityrec"), "--out",
                        str(tmp_path / "o")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "encrypted and no data key is configured" in p.stderr
    env["CITYOPS_DATA_KEY"] = base64.b64encode(generate_key()).decode()  # a key, but not this one
    p = subprocess.run([sys.executable, "-m", "console.app.cli", "export", str(tmp_path / "s.cityrec"), "--out",
                        str(tmp_path / "o")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "which is not configured" in p.stderr
