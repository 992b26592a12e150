"""Connecting QMT from the window: each field labelled in words, a folder picker for the
terminal's userdata_mini, the last values remembered in the profile's settings, and every
failure the gateway reports popped up until it connects."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets
from vnpy.event import Event

from ..events import EVENT_GATEWAY_STATUS, GatewayStatus
from ..i18n import tr
from ..settings import SCHEMA, SettingsError, SettingsStore
from .settings_dialog import editor_for, value_of

QMT_KEYS = ("qmt.userdata_path", "qmt.account_id", "qmt.account_type", "qmt.backend", "qmt.data_host",
            "qmt.data_port", "qmt.industry_prefix", "qmt.level2", "qmt.autoconnect")


class QmtConnectDialog(QtWidgets.QDialog):
    status_signal = QtCore.Signal(Event)

    def __init__(self, engine, store: SettingsStore, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("连接QMT"))
        self.engine, self.store = engine, store
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.waiting = False
        self.failure_box: QtWidgets.QMessageBox | None = None
        form = QtWidgets.QFormLayout(self)
        for key in QMT_KEYS:
            editor = editor_for(SCHEMA[key], store.current[key])
            self.editors[key] = editor
            if key == "qmt.userdata_path":
                editor.setPlaceholderText(r"D:\国金QMT交易端\userdata_mini")
                pick = QtWidgets.QPushButton(tr("选择文件夹…"))
                pick.clicked.connect(self.pick_folder)
                row = QtWidgets.QHBoxLayout()
                row.addWidget(editor)
                row.addWidget(pick)
                form.addRow(tr(SCHEMA[key].help), row)
            else:
                form.addRow(tr(SCHEMA[key].help), editor)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.connect_button = QtWidgets.QPushButton(tr("连接"))
        self.connect_button.clicked.connect(self.start)
        form.addRow(self.connect_button)
        self.status_signal.connect(self.on_status)
        engine.event_engine.register(EVENT_GATEWAY_STATUS, self.status_signal.emit)
        self.resize(640, 0)

    def pick_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, tr("选择QMT的userdata_mini文件夹"),
                                                            self.editors["qmt.userdata_path"].text())
        if folder:
            self.editors["qmt.userdata_path"].setText(folder)

    def problem(self) -> str:
        values = {key: value_of(editor) for key, editor in self.editors.items()}
        if values["qmt.backend"] == "xtquant":
            folder = values["qmt.userdata_path"]
            if not folder:
                return tr("请选择QMT的userdata_mini文件夹（在QMT安装目录下）")
            if not Path(folder).is_dir():
                return tr("文件夹不存在：{path}", path=folder)
            if not values["qmt.account_id"]:
                return tr("请填写资金账号")
        return ""

    def start(self) -> bool:
        """Check, remember the values, connect; the answer arrives as a gateway status."""
        problem = self.problem()
        if problem:
            self.show_failure(problem)
            return False
        try:
            self.engine.settings = self.store.update({key: value_of(e) for key, e in self.editors.items()})
        except (SettingsError, OSError) as error:
            self.show_failure("\n".join(getattr(error, "problems", [str(error)])))
            return False
        from ..bootstrap import connect_qmt_gateway

        self.waiting = True
        self.connect_button.setEnabled(False)
        self.message.setText(tr("正在连接……"))
        connect_qmt_gateway(self.engine)
        return True

    def on_status(self, event: Event) -> None:
        status: GatewayStatus = event.data
        if status.gateway_name != "QMT" or not self.waiting:
            return
        self.message.setText(status.message)
        if status.busy:
            return
        self.waiting = False
        self.connect_button.setEnabled(True)
        if status.connected:
            self.accept()
        else:
            self.show_failure(status.message)

    def show_failure(self, text: str) -> None:
        self.message.setText(text)
        self.failure_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, tr("QMT未连接"), text,
                                                 parent=self)
        self.failure_box.setModal(False)
        self.failure_box.show()

    def done(self, result: int) -> None:
        self.engine.event_engine.unregister(EVENT_GATEWAY_STATUS, self.status_signal.emit)
        super().done(result)
