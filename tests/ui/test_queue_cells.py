"""The queue's cells are painted by RowCellsDelegate (widgets/row_cells.py) from one row tuple per row,
each text laid out once and cached: what it paints is what Qt's own QStyledItemDelegate paints from the
model's display, colour and background roles, pixel for pixel, under the console's style sheet (a long
hostile title elided and shown as literal text, CJK, a multi-line title, breached rows, the selected and
current row); and after an update a cell shows the new text, not the cached layout of the old one."""

from PySide6.QtWidgets import QStyledItemDelegate

from console.feed.frames import Event, EventFrame
from console.feed.protocol import IncidentState, Severity
from console.model.city_state import CityState
from console.model.clock import Clock
from console.ui.incident_model import IncidentTableModel
from widgets.incident_queue import IncidentQueue
from widgets.row_cells import RowCellsDelegate
from widgets.theme import STYLE_SHEET

T = 1_763_900_000.0
HOSTILE = "<b>粗体?</b> <img src=x> &amp; <a href='x'>link</a> " + "很长的标题 " * 12
TITLES = [HOSTILE, "道路积水 严重 淹没 车辆", "Gas smell — 燃气异味", "line one\nline two", "噪音扰民", "路灯不亮"]


def incident(i: int, title: str, version: int = 1) -> Event:
    return Event(f"E{i:03d}", version, title, f"c{i}", "traffic", list(Severity)[i % 4],
                 "console" if i == 4 else "hotline_12345", ("310104", "310105", "310101")[i % 3], None,
                 list(IncidentState)[i % 4], T - 600 * (i + 1), T, sla_due_ts=T + (-900 if i % 3 == 0 else 1800),
                 assignee=("张三", None, "李四·夜班")[i % 3])


def grabs(queue: IncidentQueue, plain: QStyledItemDelegate, row: int | None = None):
    """The table (or one row of it) as the queue's delegate paints it, then as Qt's styled delegate does."""
    mine = queue.table.itemDelegate()
    if row is None:
        def grab():
            return queue.table.grab().toImage()
    else:
        rect = queue.table.visualRect(queue.model.index(row, 0))
        rect.setLeft(0)
        rect.setWidth(queue.table.viewport().width())

        def grab():
            return queue.table.viewport().grab(rect).toImage()
    first = grab()
    queue.table.setItemDelegate(plain)
    second = grab()
    queue.table.setItemDelegate(mine)
    return first, second


def test_cells_show_what_the_model_says_as_the_styled_delegate_would(qapp):
    state, clock = CityState(), Clock()
    clock.set_fixed(T)
    for i, title in enumerate(TITLES):
        state.apply("city", EventFrame(0, incident(i, title)))
    state.take_changes()
    model = IncidentTableModel(state, clock)
    queue = IncidentQueue(model, lambda eid: eid, lambda: [], lambda: [])
    queue.setStyleSheet(STYLE_SHEET)
    queue.resize(1000, 320)
    queue.show()
    qapp.processEvents()
    assert isinstance(queue.table.itemDelegate(), RowCellsDelegate)
    assert queue.select_incident("E002")
    plain = QStyledItemDelegate(queue.table)

    mine, styled = grabs(queue, plain)
    assert mine == styled

    # the hostile title changes (same width, so the same cache slot would be hit by a stale key)
    state.apply("city", EventFrame(0, incident(0, HOSTILE.replace("粗体", "斜体"), version=2)))
    model.apply_changes(state.take_changes())
    after, styled_after = grabs(queue, plain)
    assert after == styled_after
    assert after != mine

    # one row repainted alone, twice, its title changing between: the second paint is of the new title
    row = model.row_of("E000")
    before_row, _ = grabs(queue, plain, row)
    state.apply("city", EventFrame(0, incident(0, "一行标题 " + HOSTILE, version=3)))
    model.apply_changes(state.take_changes())
    assert model.row_of("E000") == row
    after_row, styled_row = grabs(queue, plain, row)
    assert after_row == styled_row
    assert after_row != before_row
