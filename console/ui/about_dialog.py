"""Help ▸ About: what this console is (version, build, dependencies), how its feeds stand and where its
files are, with one button that copies all of it for a support ticket. The content comes from
console/site/about.py; this adds the Qt versions only a running Qt can tell."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from console.feed.feed_health import FEED_STATE_LABELS_ZH, FeedState
from console.privacy.scrub import SCRUB
from console.site.about import diagnostics, diagnostics_text, version_line


def _t(text: str) -> str:
    return QCoreApplication.translate("AboutDialog", text)


def _label(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def qt_versions() -> dict[str, str]:
    import PySide6

    out = {"Qt": qVersion(), "PySide6": PySide6.__version__,
           "platform": QGuiApplication.platformName() if QGuiApplication.instance() else ""}
    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion, qWebEngineVersion

        out["QtWebEngine"] = qWebEngineVersion()
        out["Chromium"] = qWebEngineChromiumVersion()
    except ImportError:  # a build without WebEngine still shows the rest
        out["QtWebEngine"] = "not available"
    return out


class AboutDialog(QDialog):
    def __init__(self, health: Callable[[], list], parent=None):
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self._health = health
        self.setWindowTitle(_t("关于城运态势台"))
        self.resize(760, 620)
        title = QLabel(_t("城运态势台 CityOps Console"))
        title.setObjectName("aboutTitle")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.version = QLabel(version_line())
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton(_t("复制诊断信息"))
        self.copy_button.setObjectName("copyDiagnostics")
        self.copy_button.clicked.connect(self.copy)
        refresh = QPushButton(_t("刷新"))
        refresh.clicked.connect(self.refresh)
        close = QPushButton(_t("关闭"))
        close.clicked.connect(self.accept)
        self.note = QLabel("")
        self._note_timer = QTimer(self, singleShot=True, interval=4000)  # goes with the dialog
        self._note_timer.timeout.connect(self.note.clear)
        self.summary = QFormLayout()
        self.build_value, self.feeds_value, self.paths_value = QLabel(), QLabel(), QLabel()
        for w in (self.build_value, self.feeds_value, self.paths_value):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            w.setWordWrap(True)
        self.summary.addRow(_t("构建"), self.build_value)
        self.summary.addRow(_t("数据源"), self.feeds_value)
        self.summary.addRow(_t("文件位置"), self.paths_value)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(refresh)
        buttons.addWidget(self.note, 1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.version)
        lay.addLayout(self.summary)
        lay.addWidget(QLabel(_t("诊断信息（版本、依赖、数据源状态、文件位置；不含令牌和个人信息）")))
        lay.addWidget(self.text, 1)
        lay.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        diag = diagnostics(health=self._health(), qt=qt_versions())
        b = diag["build"]
        self.build_value.setText(" · ".join(str(x) for x in (b.get("commit"), b.get("kind"), b.get("built")) if x))
        feeds = []
        for f in diag["feeds"]:
            state = _label(FEED_STATE_LABELS_ZH.get(FeedState(f["state"]), f["state"]))
            line = _t("{0}：{1} · {2} 帧 · {3} 拒收").format(f["name"], state, f["frames"], f["reject_total"])
            feeds.append(line + (f" · {f['last_error']}" if f["last_error"] else ""))
        self.feeds_value.setText(SCRUB("\n".join(feeds)) or _t("无（回放或未连接）"))
        self.paths_value.setText("\n".join(f"{k}: {v}" for k, v in diag["paths"].items()))
        self.text.setPlainText(diagnostics_text(diag))

    def copy(self) -> None:
        self.refresh()  # as of now, not as of when the dialog opened
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.note.setText(_t("已复制到剪贴板"))
        self._note_timer.start()
