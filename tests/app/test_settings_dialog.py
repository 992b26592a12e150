"""Settings, help and the QMT connection from the window."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtWidgets

from lianghua_app.secrets import get_secret
from lianghua_app.settings import SettingsStore
from lianghua_app.ui.connect_dialog import QmtConnectDialog
from lianghua_app.ui.help_dialog import AboutDialog, ReadmeDialog
from lianghua_app.ui.settings_dialog import SettingsDialog
from tests.helpers import open_dialog


@pytest.fixture
def store(data_dir):
    settings = SettingsStore(data_dir.settings_file)
    settings.load()
    return settings


def test_settings_are_edited_in_words_and_saved_validated(qtbot, store, data_dir):
    dialog = SettingsDialog(store, data_dir.root.name)
    qtbot.addWidget(dialog)
    labels = {dialog.editors[key].toolTip(): key for key in dialog.editors}
    assert set(labels) == set(dialog.editors)
    seed = dialog.editors["sim.seed"]
    assert isinstance(seed, QtWidgets.QSpinBox) and seed.maximum() == 2**31 - 1
    seed.setValue(7)
    dialog.editors["qmt.account_type"].setCurrentIndex(dialog.editors["qmt.account_type"].findData("CREDIT"))
    assert dialog.editors["qmt.account_type"].currentText() == "信用账户"
    assert dialog.save()
    saved = json.loads(data_dir.settings_file.read_text(encoding="utf-8"))
    assert saved == {"sim.seed": 7, "qmt.account_type": "CREDIT"}
    assert store.current["sim.seed"] == 7 and "重启后生效" in dialog.message.text()


def test_an_alert_channel_secret_goes_to_the_keyring_not_the_file(qtbot, store, data_dir, file_keyring):
    dialog = SettingsDialog(store, data_dir.root.name)
    qtbot.addWidget(dialog)
    edit = dialog.secret_edits["notify.wecom.webhook"]
    assert edit.echoMode() is QtWidgets.QLineEdit.EchoMode.Password and edit.placeholderText() == "未设置"
    edit.setText("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    dialog.editors["notify.wecom.enabled"].setChecked(True)
    assert dialog.save()
    assert get_secret(data_dir.root.name, "notify.wecom.webhook").endswith("key=abc")
    assert "abc" not in data_dir.settings_file.read_text(encoding="utf-8")
    assert edit.text() == "" and edit.placeholderText() == "已存入钥匙串"


def test_the_readme_opens_by_section_and_about_names_version_and_folders(qtbot, data_dir):
    readme = ReadmeDialog()
    qtbot.addWidget(readme)
    titles = [readme.index.item(i).text() for i in range(readme.index.count())]
    assert {"Set up", "Command line", "Connect to QMT (Windows)"} <= set(titles)
    readme.index.setCurrentRow(titles.index("Command line"))
    assert "lianghua backtest" in readme.browser.toPlainText()
    about = AboutDialog(data_dir.root, data_dir.logs_dir)
    qtbot.addWidget(about)
    texts = [label.text() for label in about.findChildren(QtWidgets.QLabel)]
    assert "0.1.0" in texts and str(data_dir.root) in texts and str(data_dir.logs_dir) in texts


@pytest.fixture
def connect(qtbot, engine, data_dir):
    return open_dialog(qtbot, QmtConnectDialog, engine, data_dir)


def test_a_missing_userdata_folder_is_popped_before_connecting(connect, tmp_path):
    connect.editors["qmt.userdata_path"].setText(str(tmp_path / "nowhere"))
    assert not connect.start()
    assert connect.failure_box.isVisible() and "文件夹不存在" in connect.failure_box.text()


def test_the_demo_terminal_connects_and_the_values_are_remembered(connect, engine, data_dir, qtbot):
    connect.editors["qmt.backend"].setCurrentIndex(connect.editors["qmt.backend"].findData("demo"))
    connect.editors["qmt.account_id"].setText("55001234")           # the demo terminal's account
    with qtbot.waitSignal(connect.accepted, timeout=60_000):
        assert connect.start()
    assert engine.gateway_status["QMT"].connected
    again = SettingsStore(data_dir.settings_file).load()
    assert (again["qmt.backend"], again["qmt.account_id"]) == ("demo", "55001234")


def test_a_failure_the_gateway_reports_is_popped_and_the_dialog_stays(connect, qtbot):
    connect.editors["qmt.backend"].setCurrentIndex(connect.editors["qmt.backend"].findData("demo"))
    connect.editors["qmt.account_id"].setText("88001234")          # not the demo terminal's account
    assert connect.start()
    qtbot.waitUntil(lambda: connect.failure_box is not None and connect.failure_box.isVisible(), timeout=60_000)
    assert connect.isVisible() and connect.connect_button.isEnabled() and connect.failure_box.text()


@pytest.fixture
def testnet(exchange):
    """The loopback exchange standing in for Binance's testnet, the way a user picks it."""
    from gateways.binance.client import SERVERS, Server, register_server

    real = SERVERS["TESTNET"]
    register_server(Server("TESTNET", rest=exchange.rest_url, ws=exchange.ws_url))
    yield exchange
    register_server(real)


@pytest.fixture
def binance_dialog(qtbot, engine, data_dir, file_keyring):
    from lianghua_app.ui.connect_dialog import BinanceConnectDialog

    return open_dialog(qtbot, BinanceConnectDialog, engine, data_dir)


def test_binance_credentials_go_to_the_keyring_and_the_account_connects(binance_dialog, testnet, engine, data_dir,
                                                                         qtbot):
    server = binance_dialog.editors["binance.server"]
    server.setCurrentIndex(server.findData("TESTNET"))
    binance_dialog.api_key.setText(testnet.api_key)
    binance_dialog.secret.setText(testnet.secret)
    with qtbot.waitSignal(binance_dialog.accepted, timeout=60_000):
        assert binance_dialog.start()
    assert engine.gateways["BINANCE"].trading_ready
    profile = data_dir.root.name
    assert (get_secret(profile, "binance.api_key"), get_secret(profile, "binance.secret")) == (testnet.api_key,
                                                                                            testnet.secret)
    saved = data_dir.settings_file.read_text(encoding="utf-8")
    assert testnet.secret not in saved and testnet.api_key not in saved and '"TESTNET"' in saved


def test_a_binance_key_without_its_secret_is_refused_before_connecting(binance_dialog):
    binance_dialog.api_key.setText("some-key")
    assert not binance_dialog.start()
    assert "Secret" in binance_dialog.failure_box.text()
