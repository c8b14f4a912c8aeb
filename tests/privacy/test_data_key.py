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


def test_keys_rotate_reseals_recordings_and_the_journal_under_a_new_key(tmp_path):
    from console.feed.protocol import CommandOp
    from console.incidents.command_journal import CommandJournal
    from console.recording.store import Recording
    from tests.recordings import make_recording

    data, key_file = tmp_path / "data", tmp_path / "etc" / "data.key"
    env = {**os.environ, "CITYOPS_DATA_DIR": str(data), "CITYOPS_DATA_KEY_FILE": str(key_file),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env.pop("CITYOPS_DATA_KEY", None)

    def cityops(*args):
        return subprocess.run([sys.executable, "-m", "console.app.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert cityops("keys", "init").returncode == 0
    old = at_rest.read_key_file(key_file)
    at_rest.use(BlobCipher(old))
    try:
        (data / "recordings").mkdir(parents=True)
        make_recording(data / "recordings" / "a.cityrec")
        j = CommandJournal(data / "journal.db")
        cid = j.record("city", CommandOp.DISPATCH, "E1", 1, "o", "r", {"note": "回电 13912345678"}).id
        j.close()
    finally:
        at_rest.use(None)
    p = cityops("keys", "rotate")
    assert p.returncode == 0, p.stderr
    assert "a.cityrec: 48 blobs sealed again" in p.stdout and "journal.db: 1 commands sealed again" in p.stdout
    keys = at_rest.read_key_file(key_file)
    assert keys[1:] == old and len(keys) == 2  # the new key first, the old one kept for reading
    only_new = BlobCipher(keys[:1])
    assert len(list(Recording(data / "recordings" / "a.cityrec", only_new).frames())) == 45
    assert CommandJournal(data / "journal.db", only_new).get(cid).args == {"note": "回电 13912345678"}
    with pytest.raises(DataKeyError):
        Recording(data / "recordings" / "a.cityrec", BlobCipher(old))
    status = cityops("keys", "status")
    assert status.returncode == 0 and f"current {at_rest.key_id(keys[0])}" in status.stdout
