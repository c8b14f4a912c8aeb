"""Dispatch stations are named by their district as stations are (徐汇消防救援站, 浦东燃气抢修中心), and the
dialog's choices put the incident's district's first, each name once."""

from console.incidents.stations import dispatch_choices, station_of


def test_a_station_is_named_by_its_district_without_qu():
    assert station_of("徐汇区", "消防救援站") == "徐汇消防救援站"
    assert station_of("浦东新区", "燃气抢修中心") == "浦东燃气抢修中心"
    assert station_of("上海市", "消防救援站") == "上海市消防救援站"  # the city's own: no 区 to drop


def test_the_incidents_district_first_then_the_sites_units_each_once():
    got = dispatch_choices("静安区", ["消防救援站", "交警支队"], ["120急救分站", "静安交警支队"])
    assert got == ["静安消防救援站", "静安交警支队", "120急救分站"]
    assert dispatch_choices(None, ["消防救援站"], ["120急救分站"]) == ["120急救分站"]
