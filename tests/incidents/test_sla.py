import json

import pytest

from console.feed.decoder import decode_event
from console.incidents.sla import SlaBook, SlaConfigError
from console.resources import resource
from tests.frames_factory import event

T0 = 1_700_000_000.0
BOOK = SlaBook.load(resource("config", "sla.json"))


def ev(category="power_outage", severity="orange", state="new", history=()):
    return decode_event(event(category=category, severity=severity, state=state, created_ts=T0,
                              history=[{"ts": t, "state": s, "operator": "x", "note": ""} for t, s in history]))


def test_power_outage_must_be_dispatched_within_a_minute():
    e = ev()
    s = BOOK.status(e, T0 + 20)
    assert s.stage == "acknowledged" and s.remaining_s == 10 and not s.breached
    acked = ev(state="acknowledged", history=[(T0, "new"), (T0 + 25, "acknowledged")])
    s = BOOK.status(acked, T0 + 50)
    assert s.stage == "dispatched" and s.remaining_s == 10 and not s.breached
    s = BOOK.status(acked, T0 + 61)
    assert s.breached and s.remaining_s == -1 and s.late_stages == ("dispatched",)


def test_litter_cleared_within_half_an_hour_and_late_stages_are_remembered():
    e = ev("garbage_overflow", "blue", "resolved",
           history=[(T0, "new"), (T0 + 400, "acknowledged"), (T0 + 500, "dispatched"), (T0 + 1700, "resolved")])
    s = BOOK.status(e, T0 + 2000)
    assert s.stage == "closed" and not s.breached
    assert s.late_stages == ("acknowledged",)  # acknowledged after 400 s, target 300 s


def test_severity_fallback_and_prefix_match():
    assert BOOK.rule_for(ev("noise", "red")).targets["acknowledged"] == 60
    assert BOOK.rule_for(ev("threshold:power.load", "red")).targets["acknowledged"] == 120
    assert BOOK.rule_for(ev("noise", "blue")).targets["closed"] == 172800


def test_closed_incidents_have_no_clock():
    e = ev(state="closed", history=[(T0, "new"), (T0 + 10, "closed")])
    assert BOOK.status(e, T0 + 99999).stage is None


def test_bad_config_names_the_problem(tmp_path):
    p = tmp_path / "sla.json"
    p.write_text(json.dumps({"rules": [{"match": {}, "targets": {"aknowledged": 10}}]}))
    with pytest.raises(SlaConfigError, match="unknown stage"):
        SlaBook.load(p)
    p.write_text("{not json")
    with pytest.raises(SlaConfigError, match=r"sla\.json"):
        SlaBook.load(p)
