"""The dark control-room theme: one style sheet and one palette of colours for every widget."""

from __future__ import annotations

BG = "#0e1217"
PANEL = "#151b23"
PANEL_2 = "#1c2430"
GRID = "#2a3442"
TEXT = "#d9e1ea"
TEXT_DIM = "#8a97a8"
ACCENT = "#3ea6ff"
AMBER = "#ffc53d"  # time-shifted, stale: not the live picture
RED = "#e5484d"

STYLE_SHEET = f"""
QWidget {{ background: {BG}; color: {TEXT}; font-size: 13px; }}
QMainWindow::separator {{ background: {GRID}; width: 3px; height: 3px; }}
QDockWidget {{ color: {TEXT}; }}
QDockWidget::title {{ background: {PANEL_2}; padding: 4px 8px; font-weight: bold; }}
QTableView {{ background: {PANEL}; alternate-background-color: #18202a; gridline-color: {GRID};
              selection-background-color: #23406a; selection-color: #ffffff; border: none; }}
QHeaderView::section {{ background: {PANEL_2}; color: {TEXT_DIM}; border: none; border-right: 1px solid {GRID};
                        padding: 4px 6px; }}
QLineEdit, QComboBox, QPlainTextEdit, QTextEdit {{ background: {PANEL}; border: 1px solid {GRID}; padding: 3px 6px;
                        border-radius: 3px; selection-background-color: #23406a; }}
QComboBox QAbstractItemView {{ background: {PANEL}; selection-background-color: #23406a; }}
QPushButton, QToolButton {{ background: {PANEL_2}; border: 1px solid {GRID}; padding: 4px 10px; border-radius: 3px; }}
QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT}; }}
QPushButton:checked, QToolButton:checked {{ background: #23406a; border-color: {ACCENT}; }}
QStatusBar {{ background: {PANEL_2}; color: {TEXT}; }}
QStatusBar QLabel {{ background: transparent; padding: 0 6px; }}
QMenuBar, QMenu {{ background: {PANEL_2}; color: {TEXT}; }}
QMenu::item:selected, QMenuBar::item:selected {{ background: #23406a; }}
QScrollBar:vertical {{ background: {PANEL}; width: 10px; }}
QScrollBar::handle:vertical {{ background: {GRID}; min-height: 20px; border-radius: 4px; }}
QToolTip {{ background: {PANEL_2}; color: {TEXT}; border: 1px solid {GRID}; }}
"""
