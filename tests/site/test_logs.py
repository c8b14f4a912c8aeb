"""The program log: JSON lines, size-bounded rotation, and never a token or a citizen's number."""

import json
import logging
import os
import threading

from console.app.cli import main
from console.privacy.scrub import SCRUB, Scrubber
from console.simulator.run import CityOptions, SimulatorThread, make_server
from console.simulator.server import ServerOptions
from console.site.logs import LOG_NAME, setup_logging


def test_rotation_keeps_the_log_within_its_bound(tmp_path):
    path = setup_logging("INFO", tmp_path, max_bytes=4000, backups=2)
    log = logging.getLogger("cityops.test")
    for i in range(600):
        log.info("line %d of a long shift", i, extra={"event": "test_line", "n": i})
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == [LOG_NAME, LOG_NAME + ".1", LOG_NAME + ".2"]
    assert all(f.stat().st_size <= 4000 for f in files)
    last = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()][-1]
    assert last["msg"] == "line 599 of a long shift" and last["event"] == "test_line" and last["n"] == 599
    assert last["level"] == "INFO" and last["logger"] == "cityops.test" and last["ts"].endswith("+00:00")


def test_the_scrubber_removes_credentials_and_masks_personal_data():
    s = Scrubber()
    s.add_secret("k9-Very-Secret")
    s.add_secret("ab")  # too short to scrub without mangling ordinary words
    assert "k9-Very-Secret" not in s("sent k9-Very-Secret and k9-Very-Secret again")
    assert s("Authorization: Bearer zzz.yyy.xxx") == "Authorization: Bearer [redacted]"
    assert s('> TEXT \'{"type":"auth","token":"qqq111"}\'') == '> TEXT \'{"type":"auth","token":"[redacted]"}\''
    assert s("wss://h/ws?token=abc&x=1") == "wss://h/ws?token=[redacted]&x=1"
    masked = s("caller 13812345678 id 310101199001011234")
    assert "13812345678" not in masked and "19900101" not in masked and masked.startswith("caller 138****5678")
    assert s("about the cab") == "about the cab"


def test_an_exception_with_a_token_is_scrubbed_too(tmp_path):
    SCRUB.add_secret("tok-in-a-traceback-42")
    path = setup_logging("INFO", tmp_path)
    try:
        raise RuntimeError("server said: bad token tok-in-a-traceback-42")
    except RuntimeError:
        logging.getLogger("cityops.test").exception("feed failed")
    text = path.read_text(encoding="utf-8")
    assert "RuntimeError" in text and "tok-in-a-traceback-42" not in text


def test_no_token_in_any_log_line_of_a_real_connection(tmp_path, monkeypatch, capfd):
    """The console on the in-process simulator, which demands a token, at DEBUG level (where websockets
    prints every header and frame, the Authorization header and the auth frame included), with a
    second feed whose token is wrong. Not one line of the log file or stderr may carry either token."""
    good, wrong = "GoodToken-7f3a9c1e5b", "WrongToken-2d8e6a4b0c"
    sim = SimulatorThread(make_server(CityOptions(seed=3, incident_rate_per_min=30, history_s=300),
                                      ServerOptions(speed=30, token=good)))
    port = sim.start()
    try:
        token_file = tmp_path / "feed.token"
        token_file.write_text(good + "\n", encoding="utf-8")
        os.chmod(token_file, 0o600)
        cfg = tmp_path / "cityops.toml"
        cfg.write_text(f"""
[logging]
level = "DEBUG"
[[feeds]]
name = "city"
url = "ws://127.0.0.1:{port}"
token_file = "feed.token"
[[feeds]]
name = "district"
url = "ws://127.0.0.1:{port}/"
token_env = "DISTRICT_TOKEN"
""", encoding="utf-8")
        monkeypatch.setenv("DISTRICT_TOKEN", wrong)
        monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
        stats = tmp_path / "stats.json"
        rc = main(["run", "--config", str(cfg), "--headless", "--duration", "1", "--stats-json", str(stats)])
        assert rc == 0
    finally:
        sim.stop()
    err = capfd.readouterr().err
    logs = [p for p in (tmp_path / "data" / "logs").iterdir()]
    text = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    feeds = {f["name"]: f for f in json.loads(stats.read_text(encoding="utf-8"))["feeds"]}
    assert feeds["city"]["samples"] > 0 and "unauthorized" in feeds["district"]["last_error"]  # both ran
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(x.get("event") == "feed_connected" and x["feed"] == "city" for x in lines)
    assert any(x["logger"].startswith("websockets") for x in lines)  # the chatty debug lines were there
    for line in [*text.splitlines(), *err.splitlines()]:
        assert good not in line and wrong not in line
    assert "[redacted]" in text and "[redacted]" in err  # something was scrubbed from those lines


def test_operator_actions_reach_the_log_without_their_detail(tmp_path):
    from console.incidents.audit_log import AuditLog

    path = setup_logging("INFO", tmp_path / "logs")
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.record("dispatch", "张三", "duty_officer", "EV-1", "submitted", {"note": "caller 13812345678"})
    audit.close()
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    act = next(x for x in lines if x.get("event") == "operator_action")
    assert (act["operator"], act["action"], act["target"], act["outcome"]) == ("张三", "dispatch", "EV-1", "submitted")
    assert "13812345678" not in path.read_text(encoding="utf-8")


def test_logging_from_threads_keeps_whole_lines(tmp_path):
    path = setup_logging("INFO", tmp_path, max_bytes=10_000_000)

    def spam(n):
        for i in range(200):
            logging.getLogger("t").info("thread %d line %d", n, i)

    threads = [threading.Thread(target=spam, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 800 and all(json.loads(x)["logger"] == "t" for x in lines)


def test_rejects_are_logged_by_reason_as_a_bounded_summary(caplog):
    from console.feed.live_source import FeedConfig, LiveSource

    src = LiveSource([FeedConfig("ws://127.0.0.1:9", "city")])
    h = src.health()[0]
    caplog.set_level(logging.INFO, logger="console.feed.live_source")
    h.count_rejects({"bad_json": 40, "oversized": 1})
    src._log_rejects(h)
    src._log_rejects(h)  # nothing new: no line
    h.count_rejects({"bad_json": 2, "unknown_region": 5})
    src._log_rejects(h)
    lines = [r for r in caplog.records if getattr(r, "event", None) == "feed_rejects"]
    assert [r.rejects for r in lines] == [{"bad_json": 40, "oversized": 1}, {"bad_json": 2, "unknown_region": 5}]
    assert lines[1].getMessage() == ("feed city: 7 frame(s) or item(s) rejected in the last minute: "
                                     "bad_json 2, unknown_region 5")
