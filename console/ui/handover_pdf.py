"""The handover report as a PDF, with Qt's own writer (QPdfWriter + QTextDocument): charts are drawn
with QPainter into images embedded in the document. No browser, no network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
    QTextDocument,
)

from console.incidents.handover import ShiftSummary, render_html
from console.views.board_model import format_value

_TZ = dt.timezone(dt.timedelta(hours=8))


def chart_image(ts: np.ndarray, vals: np.ndarray, warn: float | None, alarm: float | None,
                width: int = 1280, height: int = 280) -> QImage:
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, right, top, bottom = 70, 16, 12, 34
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    p.setPen(QPen(QColor("#999"), 1))
    p.drawRect(plot)
    if len(ts) >= 2:
        lo, hi = float(np.min(vals)), float(np.max(vals))
        for th in (warn, alarm):
            if th is not None and lo - (hi - lo) <= th <= hi + (hi - lo):
                lo, hi = min(lo, th), max(hi, th)
        span = (hi - lo) or 1.0
        lo, hi = lo - span * 0.05, hi + span * 0.05
        t0, t1 = float(ts[0]), float(ts[-1])

        def xy(t: float, v: float) -> QPointF:
            return QPointF(plot.left() + (t - t0) / ((t1 - t0) or 1) * plot.width(),
                           plot.bottom() - (v - lo) / (hi - lo) * plot.height())

        font = QFont("Noto Sans CJK SC")
        font.setPixelSize(16)
        p.setFont(font)
        p.setPen(QColor("#333"))
        for k in range(5):
            v = lo + (hi - lo) * k / 4
            y = xy(t0, v).y()
            p.drawText(QRectF(0, y - 10, left - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       format_value(v))
        hour = 3600.0
        first = np.ceil(t0 / hour) * hour
        n_hours = max(1, int((t1 - first) // hour) + 1)
        every = max(1, n_hours // 8)  # at most about eight labels, on whole hours
        for k in range(0, n_hours, every):
            t = first + k * hour
            x = xy(t, lo).x()
            label = dt.datetime.fromtimestamp(t, _TZ).strftime("%H:%M")
            box = QRectF(min(x - 40, plot.right() - 80), plot.bottom() + 4, 80, 24)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        for th, color in ((warn, "#d4a106"), (alarm, "#d62f35")):
            if th is not None and lo <= th <= hi:
                p.setPen(QPen(QColor(color), 2, Qt.PenStyle.DashLine))
                p.drawLine(xy(t0, th), xy(t1, th))
        step = max(1, len(ts) // 2000)
        poly = QPolygonF([xy(float(t), float(v)) for t, v in zip(ts[::step], vals[::step], strict=True)])
        p.setPen(QPen(QColor("#1f6fd1"), 2))
        p.drawPolyline(poly)
    p.end()
    return img


def write_handover_pdf(summary: ShiftSummary, path: Path, region_label, unmask: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = QTextDocument()
    font = QFont("Noto Sans CJK SC")
    font.setPointSizeF(9.5)
    doc.setDefaultFont(font)
    images = {}
    for _title, key, ts, vals, warn, alarm in summary.charts:
        name = f"chart-{len(images)}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), chart_image(ts, vals, warn, alarm))
        images[key] = name
    doc.setHtml(render_html(summary, region_label, images, unmask=unmask))
    writer = QPdfWriter(str(path))
    writer.setTitle("城运中心交接班报告")
    writer.setCreator("CityOps Console")
    writer.setResolution(150)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    doc.print_(writer)
    return path
