"""Recordings under a data key: sealed blobs, the same replay, export, history and time-shift as a plain
one (the existing tests run again with the key), a clear refusal without the key or with the wrong one,
and rotation (reseal) that leaves the old key unneeded."""

import sqlite3
import zlib

import pytest

from console.privacy import at_rest
from console.privacy.at_rest import BlobCipher, DataKeyError, generate_key
from console.recording.store import Recording, reseal
from tests.recording import test_export, test_recording, test_time_shift
from tests.recordings import T, make_recording


@pytest.fixture
def keyed():
    """The site's data key for this test (its raw bytes kept, for a rotation)."""
    key = generate_key()
    cipher = BlobCipher([key])
    cipher.raw_key = key
    at_rest.use(cipher)
    yield cipher
    at_rest.use(None)


def blobs(path):
    db = sqlite3.connect(path)
    try:
        return [bytes(b) for q in ("SELECT raw FROM frames", "SELECT body FROM keyframes",
                                   "SELECT data FROM series_blocks") for (b,) in db.execute(q)]
    finally:
        db.close()


def replay(path, cipher=None):
    rec = Recording(path, cipher)
    try:
        return (list(rec.frames()), rec.keyframe_before(T + 30),
                [(i, r, t.tolist(), v.tolist()) for i, r, t, v in rec.history(T, T + 60)])
    finally:
        rec.close()


def test_an_encrypted_recording_replays_exactly_as_a_plain_one(tmp_path, keyed):
    plain, sealed = tmp_path / "plain.cityrec", tmp_path / "sealed.cityrec"
    at_rest.use(None)
    make_recording(plain)
    at_rest.use(keyed)
    make_recording(sealed)
    b = blobs(sealed)
    assert b and all(x.startswith(at_rest.MAGIC) for x in b)
    assert all(not at_rest.is_sealed(x) for x in blobs(plain))
    assert Recording(sealed).encrypted and not Recording(plain, keyed).encrypted
    (pf, pk, ph), (sf, sk, sh) = replay(plain), replay(sealed)
    assert [f[1:] for f in sf] == [f[1:] for f in pf] and len(sf) == 2 + 40 + 3  # hello, catalog, readings, events
    assert sk == pk and sk is not None
    assert sh == ph and sh


def test_without_the_key_or_with_another_it_is_refused_with_the_reason(tmp_path, keyed):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    at_rest.use(None)
    with pytest.raises(DataKeyError, match="encrypted and no data key is configured"):
        Recording(path)
    with pytest.raises(DataKeyError, match=f"encrypted with data key {keyed.current_id}, which is not configured"):
        Recording(path, BlobCipher([generate_key()]))


def test_a_flipped_byte_is_an_integrity_refusal_not_garbage(tmp_path, keyed):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    db = sqlite3.connect(path)
    fid, raw = db.execute("SELECT id, raw FROM frames ORDER BY id LIMIT 1 OFFSET 5").fetchone()
    raw = bytearray(raw)
    raw[-1] ^= 1
    db.execute("UPDATE frames SET raw = ? WHERE id = ?", (bytes(raw), fid))
    db.commit()
    db.close()
    with pytest.raises(DataKeyError, match="integrity"):
        list(Recording(path).frames())


def test_rotation_reseals_so_the_old_key_is_no_longer_needed(tmp_path, keyed):
    path, plain = tmp_path / "s.cityrec", tmp_path / "old.cityrec"
    make_recording(path)
    at_rest.use(None)
    make_recording(plain)  # an older recording, made before the site had a key
    before = replay(path, keyed)
    new_key = generate_key()
    both = BlobCipher([new_key, keyed.raw_key])
    assert reseal(path, both) == len(blobs(path))
    assert reseal(plain, both) == len(blobs(plain))
    only_new = BlobCipher([new_key])
    assert replay(path, only_new) == before
    assert Recording(plain, only_new).encrypted and all(x.startswith(at_rest.MAGIC) for x in blobs(plain))
    with pytest.raises(DataKeyError):
        Recording(path, keyed)
    assert reseal(path, both) == 0  # nothing left under an older key


def test_nothing_of_a_frame_is_readable_in_the_file(tmp_path, keyed):
    path = tmp_path / "s.cityrec"
    make_recording(path)
    data = path.read_bytes()
    assert b"congestion" not in data.replace(b"traffic.congestion_index", b"")  # the series name is an index key
    for b in blobs(path):
        with pytest.raises(zlib.error):
            zlib.decompress(b)


# the existing replay, export and time-shift tests, again with a data key configured
def test_export_with_a_key(tmp_path, keyed):
    test_export.test_export_a_range_to_tidy_tables(tmp_path, "csv")
    assert Recording(tmp_path / "s.cityrec").encrypted


def test_masked_export_with_a_key(tmp_path, keyed):
    test_export.test_personal_data_is_masked_in_exports(tmp_path)
    assert Recording(tmp_path / "p.cityrec").encrypted


def test_replay_with_a_key(tmp_path, keyed):
    test_recording.test_replay_reproduces_the_live_state_at_chosen_instants(tmp_path)


def test_time_shift_with_a_key(tmp_path, keyed):
    test_time_shift.test_pause_rewind_play_and_back_to_live(tmp_path)
    assert Recording(tmp_path / "session.cityrec").encrypted


def test_bookmark_notes_are_sealed_beside_an_encrypted_recording(tmp_path, keyed):
    from console.recording.bookmarks import bookmarks_path, read_bookmarks, write_bookmarks

    p = bookmarks_path(tmp_path / "s.cityrec")
    write_bookmarks(p, [(T + 1, "回电 13912345678"), (T + 2, "复盘")])
    assert b"1391234" not in p.read_bytes() and "复盘".encode() not in p.read_bytes()
    assert read_bookmarks(p) == [(T + 1, "回电 13912345678"), (T + 2, "复盘")]
    at_rest.use(None)
    with pytest.raises(DataKeyError):
        read_bookmarks(p)
    write_bookmarks(p, [(T + 3, "plain")])  # without a key: the plain list, as before
    assert p.read_text(encoding="utf-8").lstrip().startswith("[") and read_bookmarks(p) == [(T + 3, "plain")]
