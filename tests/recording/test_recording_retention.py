import os

from console.recording.retention import enforce


def test_oldest_sessions_go_first_and_the_current_one_stays(tmp_path):
    now = 2_000_000_000.0
    files = []
    for i, age_days in enumerate((40, 10, 5, 1)):
        f = tmp_path / f"session-{i}.cityrec"
        f.write_bytes(b"x" * 1000)
        (tmp_path / f"session-{i}.cityrec.bookmarks.json").write_text("[]")
        os.utime(f, (now - age_days * 86400, now - age_days * 86400))
        files.append(f)
    current = tmp_path / "session-now.cityrec"
    current.write_bytes(b"x" * 1000)
    removed = enforce(tmp_path, max_bytes=3500, max_age_days=30, keep=current, now=now)
    assert removed == [files[0], files[1]]  # 40 days: too old; then the oldest until within 3,500 bytes
    assert not (tmp_path / "session-0.cityrec.bookmarks.json").exists()
    assert current.exists() and files[2].exists() and files[3].exists()
