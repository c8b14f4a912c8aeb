"""Areas by division code: the nesting written out by hand from real codes (上海市 › 徐汇区 › 天平路街道,
崇明区's 长兴镇), not derived from the module."""

from console.feed.protocol import Level
from console.model.areas import area_prefix, chain, child_level, in_area, level_of, parent_of


def test_levels_of_real_codes():
    assert level_of("310000") is Level.CITY
    assert level_of("310104") is Level.DISTRICT
    assert level_of("310151") is Level.DISTRICT  # 崇明区: a district whose code does not end in 00
    assert level_of("310104003") is Level.STREET


def test_areas_nest_by_prefix_and_never_leak_to_a_neighbour():
    assert area_prefix("310000") == "31" and area_prefix("310104") == "310104"
    assert in_area("310104003", "310104") and in_area("310104003", "310000") and in_area("310104", "310104")
    assert not in_area("310105001", "310104")  # 长宁's street is not 徐汇's
    assert not in_area("310104", "310104003")  # the district is not inside its street
    assert not in_area("320100", "310000")  # another province


def test_chain_and_child_level():
    assert parent_of("310151101") == "310151" and parent_of("310151") == "310000" and parent_of("310000") is None
    assert chain("310104003") == ["310000", "310104", "310104003"]
    assert child_level("310000") is Level.DISTRICT and child_level("310104") is Level.STREET
    assert child_level("310104003") is None
