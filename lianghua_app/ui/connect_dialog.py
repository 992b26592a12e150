"""Connecting a venue from the window: each field labelled in words, the last values remembered in
the profile's settings (credentials in the OS keyring, never in a file), and every failure the
gateway reports popped up until it connects. One dialog shape for QMT, Binance and the broker
clients' agent."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets
from vnpy.event import Event

from ..events import EVENT_GATEWAY_STATUS, GatewayStatus
from ..i18n import tr
from ..secrets import SecretStoreError, get_secret, set_secret
from ..settings import SCHEMA, SettingsError, SettingsStore
from .settings_dialog import editor_for, value_of

QMT_KEYS = ("qmt.userdata_path", "qmt.account_id", "qmt.account_type", "qmt.backend", "qmt.data_host",
            "qmt.data_port", "qmt.industry_prefix", "qmt.level2", "qmt.autoconnect")
BINANCE_KEYS = ("binance.server", "binance.proxy", "binance.position_mode", "binance.spot", "binance.autoconnect")
EASYTRADER_KEYS = ("easytrader.agent_url", "easytrader.broker", "easytrader.poll_seconds", "easytrader.in_process",
                   "easytrader.demo", "easytrader.exe_path", "easytrader.user", "easytrader.autoconnect")


class GatewayConnectDialog(QtWidgets.QDialog):
    """Settings rows for `keys`, then whatever a subclass adds, a message line and 连接."""
    status_signal = QtCore.Signal(Event)
    gateway_name = ""
    keys: tuple[str, ...] = ()

    def __init__(self, engine, store: SettingsStore, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("连接{name}", name=self.title()))
        self.engine, self.store = engine, store
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.waiting = False
        self.failure_box: QtWidgets.QMessageBox | None = None
        self.form = QtWidgets.QFormLayout(self)
        for key in self.keys:
            self.editors[key] = editor_for(SCHEMA[key], store.current[key])
            self.add_row(key, self.editors[key])
        self.add_extra_rows()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.form.addRow(self.message)
        self.connect_button = QtWidgets.QPushButton(tr("连接"))
        self.connect_button.clicked.connect(self.start)
        self.form.addRow(self.connect_button)
        self.status_signal.connect(self.on_status)
        engine.event_engine.register(EVENT_GATEWAY_STATUS, self.status_signal.emit)
        self.resize(640, 0)

    def title(self) -> str:
        return self.gateway_name

    def add_row(self, key: str, editor: QtWidgets.QWidget) -> None:
        self.form.addRow(tr(SCHEMA[key].help), editor)

    def add_extra_rows(self) -> None:
        """Rows that are not settings (credentials)."""

    def problem(self) -> str:
        return ""

    def begin_connect(self) -> None:
        raise NotImplementedError

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
        self.waiting = True
        self.connect_button.setEnabled(False)
        self.message.setText(tr("正在连接……"))
        self.begin_connect()
        return True

    def on_status(self, event: Event) -> None:
        status: GatewayStatus = event.data
        if status.gateway_name != self.gateway_name or not self.waiting:
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
        self.failure_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical,
                                                 tr("{name}未连接", name=self.title()), text, parent=self)
        self.failure_box.setModal(False)
        self.failure_box.show()

    def done(self, result: int) -> None:
        self.engine.event_engine.unregister(EVENT_GATEWAY_STATUS, self.status_signal.emit)
        super().done(result)


class QmtConnectDialog(GatewayConnectDialog):
    gateway_name = "QMT"
    keys = QMT_KEYS

    def add_row(self, key: str, editor: QtWidgets.QWidget) -> None:
        if key != "qmt.userdata_path":
            return super().add_row(key, editor)
        editor.setPlaceholderText(r"D:\国金QMT交易端\userdata_mini")
        pick = QtWidgets.QPushButton(tr("选择文件夹…"))
        pick.clicked.connect(self.pick_folder)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(editor)
        row.addWidget(pick)
        self.form.addRow(tr(SCHEMA[key].help), row)

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

    def begin_connect(self) -> None:
        from ..bootstrap import connect_qmt_gateway

        connect_qmt_gateway(self.engine)


class BinanceConnectDialog(GatewayConnectDialog):
    """API key and secret go to the OS keyring; left empty, the stored ones are used (or none:
    market data only). An Ed25519 private key can be read from its PEM file."""
    gateway_name = "BINANCE"
    keys = BINANCE_KEYS

    def title(self) -> str:
        return tr("币安")

    def add_extra_rows(self) -> None:
        from ..bootstrap import BINANCE_KEY, BINANCE_SECRET

        self.profile = self.engine.data_dir.root.name
        try:
            stored = bool(get_secret(self.profile, BINANCE_KEY)) and bool(get_secret(self.profile, BINANCE_SECRET))
        except SecretStoreError:
            stored = False
        hint = tr("已保存在系统钥匙串中，留空则沿用") if stored else tr("留空则只连接行情")
        self.api_key = QtWidgets.QLineEdit()
        self.api_key.setPlaceholderText(hint)
        self.secret = QtWidgets.QLineEdit()
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(hint)
        self.pem = ""
        pick = QtWidgets.QPushButton(tr("读取Ed25519私钥文件…"))
        pick.clicked.connect(self.pick_pem)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.secret)
        row.addWidget(pick)
        self.form.addRow(tr("API Key"), self.api_key)
        self.form.addRow(tr("Secret（HMAC密钥或Ed25519私钥）"), row)

    def pick_pem(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, tr("选择Ed25519私钥文件"), "", "PEM (*.pem);;* (*)")
        if not path:
            return
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            return self.show_failure(tr("无法读取私钥文件：{error}", error=error))
        if "PRIVATE KEY" not in text:
            return self.show_failure(tr("这不是PEM格式的私钥文件"))
        self.pem = text
        self.secret.clear()
        self.secret.setPlaceholderText(tr("已读取私钥文件：{name}", name=Path(path).name))

    def problem(self) -> str:
        key, secret = self.api_key.text().strip(), self.secret.text().strip() or self.pem
        if bool(key) != bool(secret):
            return tr("API Key与Secret须同时填写（或都留空，沿用钥匙串中的）")
        return ""

    def begin_connect(self) -> None:
        from ..bootstrap import BINANCE_KEY, BINANCE_SECRET, connect_binance_gateway

        key, secret = self.api_key.text().strip(), self.secret.text().strip() or self.pem
        if key:
            try:
                set_secret(self.profile, BINANCE_KEY, key)
                set_secret(self.profile, BINANCE_SECRET, secret)
            except SecretStoreError as error:
                self.waiting = False
                self.connect_button.setEnabled(True)
                return self.show_failure(str(error))
            self.api_key.clear()
            self.secret.clear()
            self.pem = ""
        connect_binance_gateway(self.engine)


class EasytraderConnectDialog(GatewayConnectDialog):
    """The agent's address and the broker client type; the agent key goes to the OS keyring (left
    empty, the stored one is used). The agent itself runs beside the broker client."""
    gateway_name = "EASYTRADER"
    keys = EASYTRADER_KEYS

    def title(self) -> str:
        return tr("券商客户端")

    def add_row(self, key: str, editor: QtWidgets.QWidget) -> None:
        editor.setMinimumWidth(260)
        super().add_row(key, editor)

    def add_extra_rows(self) -> None:
        from ..bootstrap import EASYTRADER_KEY

        self.profile = self.engine.data_dir.root.name
        try:
            stored = bool(get_secret(self.profile, EASYTRADER_KEY))
        except SecretStoreError:
            stored = False
        self.agent_key = QtWidgets.QLineEdit()
        self.agent_key.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.agent_key.setPlaceholderText(tr("已保存在系统钥匙串中，留空则沿用") if stored else
                                          tr("代理启动时 lianghua agent --new-key 给出的密钥"))
        self.stored_key = stored
        self.form.addRow(tr("代理密钥"), self.agent_key)
        hint = QtWidgets.QLabel(tr("在运行券商客户端的Windows电脑上先启动交易代理：lianghua agent"))
        hint.setWordWrap(True)
        self.form.addRow(hint)

    def problem(self) -> str:
        local = value_of(self.editors["easytrader.in_process"]) or value_of(self.editors["easytrader.demo"])
        if not local and not self.agent_key.text().strip() and not self.stored_key:
            return tr("请填写代理密钥（与交易代理所在电脑上的相同）")
        return ""

    def begin_connect(self) -> None:
        from ..bootstrap import EASYTRADER_KEY, connect_easytrader_gateway

        key = self.agent_key.text().strip()
        if key:
            try:
                set_secret(self.profile, EASYTRADER_KEY, key)
            except SecretStoreError as error:
                self.waiting = False
                self.connect_button.setEnabled(True)
                return self.show_failure(str(error))
            self.agent_key.clear()
        connect_easytrader_gateway(self.engine)
