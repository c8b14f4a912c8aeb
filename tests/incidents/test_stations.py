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


def test_a_sites_dispatch_list_is_read_and_checked_whole(tmp_path):
    import json

    import pytest

    from console.incidents.stations import DISTRICT_SERVICES, DispatchConfigError, load_dispatch_list

    f = tmp_path / "units.json"

    def load(doc):
        f.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        return load_dispatch_list(f)

    got = load({"units": ["120急救分站", " 120急救分站 ", "外滩派出所"]})
    assert got.services == DISTRICT_SERVICES and got.units == ("120急救分站", "外滩派出所")  # trimmed, once
    assert load({"district_services": ["特勤站"], "units": []}).choices("徐汇区") == ["徐汇特勤站"]
    for doc, says in (("{", "not JSON"), ([], '"units"'), ({"district_services": []}, '"units"'),
                      ({"units": "外滩派出所"}, "units: a list of names"), ({"units": ["ok", 3]}, "units[1]: a name"),
                      ({"units": ["  "]}, "units[0]"), ({"units": ["甲" * 65]}, "at most 64"),
                      ({"units": ["外滩\u202e派出所"]}, "printable"), ({"district_services": [None], "units": []},
                                                                      "district_services[0]")):
        with pytest.raises(DispatchConfigError) as err:
            load(doc)
        assert str(f) in str(err.value) and says in str(err.value), (doc, str(err.value))
    with pytest.raises(DispatchConfigError, match="cannot read"):
        load_dispatch_list(tmp_path / "absent.json")


def test_the_shipped_dispatch_list_loads():
    from console.incidents.stations import shipped_dispatch_list

    assert "120急救分站" in shipped_dispatch_list().units
