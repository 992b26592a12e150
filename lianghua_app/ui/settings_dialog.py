"""The profile's settings in a dialog: one tab per area, each setting named in words with an
editor of its kind and range, validated before anything is written; credentials for the alert
channels go into the OS keyring and are never shown again."""

from __future__ import annotations

from PySide6 import QtWidgets

from ..i18n import tr
from ..notify import SECRET_KEYS
from ..secrets import SecretStoreError, get_secret, set_secret
from ..settings import SCHEMA, Field, SettingsError, SettingsStore

SECTIONS = (("language", "常规"), ("sim", "模拟接口"), ("fees", "费用"), ("qmt", "QMT"), ("binance", "币安"),
            ("strategies", "策略"), ("optimizer", "参数优化"), ("notify", "推送"))
SECRET_LABELS = {"notify.dingtalk.webhook": "钉钉机器人地址", "notify.dingtalk.secret": "钉钉加签密钥",
                 "notify.wecom.webhook": "企业微信机器人地址", "notify.feishu.webhook": "飞书机器人地址",
                 "notify.feishu.secret": "飞书签名密钥", "notify.email.password": "邮箱密码或授权码"}
CHOICE_WORDS = {"zh_CN": "中文", "en": "English", "STOCK": "普通账户", "CREDIT": "信用账户",
                "xtquant": "真实终端(xtquant)", "demo": "演示终端", "ssl": "SSL", "starttls": "STARTTLS",
                "none": "不加密", "REAL": "实盘", "TESTNET": "测试网", "DEMO": "模拟盘", "keep": "沿用账户设置",
                "one-way": "单向持仓", "hedge": "双向持仓"}


def editor_for(spec: Field, value) -> QtWidgets.QWidget:
    if spec.kind is bool:
        box = QtWidgets.QCheckBox()
        box.setChecked(bool(value))
        return box
    if spec.choices:
        combo = QtWidgets.QComboBox()
        for choice in spec.choices:
            combo.addItem(tr(CHOICE_WORDS.get(choice, str(choice))), choice)
        combo.setCurrentIndex(combo.findData(value))
        return combo
    if spec.kind is int:
        spin = QtWidgets.QSpinBox()
        spin.setRange(int(spec.minimum if spec.minimum is not None else -2**31),
                      int(min(spec.maximum if spec.maximum is not None else 2**31 - 1, 2**31 - 1)))
        spin.setValue(int(value))
        return spin
    if spec.kind is float:
        spin = QtWidgets.QDoubleSpinBox()
        spin.setDecimals(6 if (spec.maximum or 1) <= 1 else 2)
        spin.setRange(spec.minimum if spec.minimum is not None else -1e12,
                      spec.maximum if spec.maximum is not None else 1e12)
        spin.setGroupSeparatorShown(True)
        spin.setValue(float(value))
        return spin
    return QtWidgets.QLineEdit(str(value))


def value_of(editor: QtWidgets.QWidget):
    if isinstance(editor, QtWidgets.QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QtWidgets.QComboBox):
        return editor.currentData()
    if isinstance(editor, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
        return editor.value()
    return editor.text().strip()


class SettingsDialog(QtWidgets.QDialog):
    def __init__(self, store: SettingsStore, profile: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("设置 — 配置{profile}", profile=profile))
        self.store, self.profile = store, profile
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.secret_edits: dict[str, QtWidgets.QLineEdit] = {}
        tabs = QtWidgets.QTabWidget()
        for prefix, title in SECTIONS:
            page = QtWidgets.QWidget()
            form = QtWidgets.QFormLayout(page)
            for key, spec in SCHEMA.items():
                if key.split(".")[0] != prefix:
                    continue
                editor = editor_for(spec, store.current[key])
                editor.setToolTip(key)
                form.addRow(tr(spec.help), editor)
                self.editors[key] = editor
            if prefix == "notify":
                self._secret_rows(form)
            scroll = QtWidgets.QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            tabs.addTab(scroll, tr(title))
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText(tr("关闭"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(720, 560)

    def _secret_rows(self, form: QtWidgets.QFormLayout) -> None:
        form.addRow(QtWidgets.QLabel(tr("以下凭据存入系统钥匙串，不写入设置文件；已存的不再显示，留空表示不改")))
        for keys in SECRET_KEYS.values():
            for key in keys:
                edit = QtWidgets.QLineEdit()
                edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
                try:
                    stored = get_secret(self.profile, key)
                except SecretStoreError:
                    stored = None
                edit.setPlaceholderText(tr("已存入钥匙串") if stored else tr("未设置"))
                edit.setToolTip(key)
                form.addRow(tr(SECRET_LABELS.get(key, key)), edit)
                self.secret_edits[key] = edit

    def changes(self) -> dict:
        return {key: value_of(editor) for key, editor in self.editors.items()
                if value_of(editor) != self.store.current[key]}

    def save(self) -> bool:
        """Validated as a whole: a bad value is named and nothing is written."""
        try:
            self.store.update(self.changes())
        except SettingsError as error:
            self.message.setStyleSheet("color: #b42318;")
            self.message.setText("\n".join(error.problems))
            return False
        except OSError as error:
            self.message.setStyleSheet("color: #b42318;")
            self.message.setText(tr("设置文件无法写入（{error}）：请检查数据目录的写权限", error=error))
            return False
        try:
            for key, edit in self.secret_edits.items():
                if edit.text():
                    set_secret(self.profile, key, edit.text())
                    edit.clear()
                    edit.setPlaceholderText(tr("已存入钥匙串"))
        except SecretStoreError as error:
            self.message.setStyleSheet("color: #b42318;")
            self.message.setText(str(error))
            return False
        self.message.setStyleSheet("")
        self.message.setText(tr("已保存到{path}。界面语言、接口与推送渠道在重启后生效", path=self.store.path))
        return True
