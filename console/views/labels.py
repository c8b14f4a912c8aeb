"""Readable names for the protocol's codes, Chinese first. The Qt layer translates these strings
(context "Labels"); everything here stays Qt-free."""

from __future__ import annotations

from console.alarms.states import AlarmState
from console.feed.protocol import DiscoverySource, IncidentState, Level, Severity, Status, UnitKind, UnitState

SEVERITY_ZH = {Severity.RED: "红色", Severity.ORANGE: "橙色", Severity.YELLOW: "黄色", Severity.BLUE: "蓝色"}
STATE_ZH = {
    IncidentState.NEW: "待受理",
    IncidentState.ACKNOWLEDGED: "已受理",
    IncidentState.DISPATCHED: "已派遣",
    IncidentState.ON_SCENE: "处置中",
    IncidentState.RESOLVED: "已处置",
    IncidentState.CLOSED: "已结案",
    IncidentState.CANCELLED: "已撤销",
}
SOURCE_ZH = {
    DiscoverySource.SENSOR: "物联感知",
    DiscoverySource.AI_CAMERA: "智能视频",
    DiscoverySource.GRID_OFFICER: "网格巡查",
    DiscoverySource.HOTLINE_12345: "12345热线",
    DiscoverySource.UPPER_LEVEL: "上级交办",
    DiscoverySource.MEDIA: "媒体舆情",
}
# the console's own alarms (ISA-18.2 states), never to be confused with an incident's lifecycle
ALARM_STATE_ZH = {
    AlarmState.NORMAL: "正常", AlarmState.UNACK: "报警未确认", AlarmState.ACKED: "报警已确认",
    AlarmState.RTN_UNACK: "已恢复未确认", AlarmState.SHELVED: "已搁置", AlarmState.SUPPRESSED: "设计抑制",
    AlarmState.OUT_OF_SERVICE: "停用",
}
CONSOLE_SOURCE_ZH = "控制台预警"  # items the console's own rules raised
STATUS_ZH = {Status.NODATA: "无数据", Status.NORMAL: "正常", Status.WARN: "预警", Status.ALARM: "告警"}
# the roll-up line of a view's level below (console/views/area_rollup.py); {0} is a count
ROLLUP_NORMAL_ZH = {Level.DISTRICT: "{0} 区均正常", Level.STREET: "{0} 街镇均正常"}
# one region below, on its own: no 均 ("all") in Chinese, no plural in English ("1 street normal")
ROLLUP_NORMAL_ONE_ZH = {Level.DISTRICT: "{0} 区正常", Level.STREET: "{0} 街镇正常"}
ROLLUP_STATUS_ZH = {Status.ALARM: "{0} 处告警", Status.WARN: "{0} 处预警", Status.NODATA: "{0} 处无数据"}
DOMAIN_ZH = {
    "traffic": "交通", "metro": "轨交", "power": "电力", "water": "水务", "gas": "燃气", "weather": "气象",
    "air": "空气", "environment": "环境", "crowd": "人流", "health": "卫健", "hotline": "12345热线",
    "safety": "公共安全", "iot": "物联感知", "city_management": "城市管理", "other": "其他",
}

# colours of the four warning levels and of indicator status on a dark background
SEVERITY_COLOR = {Severity.RED: "#e5484d", Severity.ORANGE: "#f76b15", Severity.YELLOW: "#ffc53d",
                  Severity.BLUE: "#3e8cf7"}
STATUS_COLOR = {Status.NODATA: "#5c6370", Status.NORMAL: "#30a46c", Status.WARN: "#ffc53d",
                Status.ALARM: "#e5484d"}
# dispatch units (处置力量) on the map and in the resources dock; a kind the console does not know is "other"
UNIT_KIND_ZH = {UnitKind.FIRE: "消防", UnitKind.POLICE: "公安交警", UnitKind.MEDICAL: "医疗急救",
                UnitKind.UTILITY: "抢修", UnitKind.CITY_MGMT: "城管", UnitKind.GRID: "网格", UnitKind.OTHER: "其他"}
UNIT_STATE_ZH = {UnitState.AVAILABLE: "待命", UnitState.EN_ROUTE: "赶赴", UnitState.ON_SCENE: "到场处置",
                 UnitState.RETURNING: "返回", UnitState.OFFLINE: "离线"}

# the glyph on a unit's badge (one character: its English is one letter) and the badge's colour by state
UNIT_GLYPH_ZH = {UnitKind.FIRE: "消", UnitKind.POLICE: "警", UnitKind.MEDICAL: "医", UnitKind.UTILITY: "修",
                 UnitKind.CITY_MGMT: "城", UnitKind.GRID: "网", UnitKind.OTHER: "其"}
UNIT_STATE_COLOR = {UnitState.AVAILABLE: "#30a46c", UnitState.EN_ROUTE: "#0090ff", UnitState.ON_SCENE: "#8e4ec6",
                    UnitState.RETURNING: "#12a594", UnitState.OFFLINE: "#5c6370"}


def all_label_strings() -> list[str]:
    """Every label, for the translation catalogue."""
    out: list[str] = []
    for d in (SEVERITY_ZH, STATE_ZH, SOURCE_ZH, STATUS_ZH, DOMAIN_ZH, ALARM_STATE_ZH, ROLLUP_NORMAL_ZH,
              ROLLUP_NORMAL_ONE_ZH, ROLLUP_STATUS_ZH, UNIT_KIND_ZH, UNIT_STATE_ZH, UNIT_GLYPH_ZH):
        out.extend(d.values())
    out.append(CONSOLE_SOURCE_ZH)
    return out


def format_age(seconds: float, english: bool = False) -> str:
    """'12 秒', '3 分钟', '2 小时 5 分', '3 天' (or '12 s', '3 min', '2 h 5 min', '3 d')."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s" if english else f"{s} 秒"
    if s < 3600:
        return f"{s // 60} min" if english else f"{s // 60} 分钟"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min" if english else f"{s // 3600} 小时 {s % 3600 // 60} 分"
    return f"{s // 86400} d" if english else f"{s // 86400} 天"


def format_rate(per_s: float, english: bool = False) -> str:
    """A feed's readings a second as an officer reads it: '1,234/s', '3.4/s', and below one a second per
    minute ('12/分', '12/min'): a street's feed is live at a few readings a minute, and '0/s' says dead."""
    if per_s >= 10:
        return f"{per_s:,.0f}/s"
    if per_s >= 1:
        return f"{per_s:.1f}/s"
    if per_s <= 0:
        return "0/s"
    per_min = f"{per_s * 60:.0f}" if per_s * 60 >= 1 else "<1"
    return f"{per_min}/min" if english else f"{per_min}/分"


# the Chinese words of the feed's indicator units, in English, in this order ("车次" before "次"; "人次"
# is "people" by "人" and a count's "次" read as nothing); a unit made of other words passes through as
# the feed wrote it (it is the feed's text, not ours)
_UNIT_WORDS_EN = (("车次", "trips"), ("万", "10k "), ("小时", "h"), ("分钟", "min"), ("件", "cases"),
                  ("起", "cases"), ("次", ""), ("户", "households"), ("人", "people"), ("级", "level"))


def unit_text(unit: str, english: bool = False) -> str:
    """An indicator's unit as shown: the feed's own (Chinese) text, or its words in English
    ('件/小时' -> 'cases/h', '人/m²' -> 'people/m²', '万m³/小时' -> '10k m³/h', a count '次/小时' -> '/h')."""
    if not english:
        return unit
    for zh, en in _UNIT_WORDS_EN:
        unit = unit.replace(zh, en)
    return unit


def format_countdown(seconds: float, english: bool = False) -> str:
    """SLA time left: '12:05' / '1:02:05'; overdue as '超时 12:05' ('overdue 12:05')."""
    neg = seconds < 0
    s = abs(int(seconds))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    txt = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
    return (f"overdue {txt}" if english else f"超时 {txt}") if neg else txt
