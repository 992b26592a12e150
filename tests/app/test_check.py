"""`lianghua check` reports each part and says whether the installation is usable."""

import sys

import pytest

from lianghua_app.check import CheckResult, run_checks
from lianghua_app.cli import main


def test_check_reports_every_plugin_and_core_part(data_dir):
    names = {result.name for result in run_checks(data_dir)}
    assert {"Python", "Qt platform plugin", "TA-Lib", "Database", "QMT (xtquant)", "gateway SIM",
            "app CtaStrategy"} <= names


def test_binance_is_reported_with_the_ccxt_version_it_trades_through(data_dir):
    import ccxt

    results = {result.name: result for result in run_checks(data_dir)}
    assert results["gateway BINANCE"].ok
    binance = results["Binance (ccxt)"]
    assert binance.ok and binance.required is False
    assert binance.detail.startswith(f"ccxt {ccxt.__version__}, aiohttp ")


def test_qmt_is_optional_and_says_when_its_native_part_is_missing(data_dir):
    from gateways.qmt.sdk import native_available

    qmt = next(r for r in run_checks(data_dir) if r.name == "QMT (xtquant)")
    assert qmt.required is False
    assert qmt.ok is native_available()[0]
    expected = "native client available" if qmt.ok else (
        "xtquant native part not available on this OS" if sys.platform != "win32" else qmt.detail)
    assert qmt.detail == expected


def test_check_exits_zero_when_usable(tmp_path, capsys):
    assert main(["check", "--data-dir", str(tmp_path)]) == 0
    assert "结论：可以使用" in capsys.readouterr().out


def test_a_failing_required_part_makes_check_exit_one(tmp_path, monkeypatch, capsys):
    import lianghua_app.check as check

    monkeypatch.setattr(check, "run_checks", lambda data_dir: [CheckResult("TA-Lib", False, "missing")])
    assert main(["check", "--data-dir", str(tmp_path)]) == 1
    assert "FAIL  TA-Lib" in capsys.readouterr().out


def test_a_plaintext_keyring_is_not_reported_as_an_os_keyring(file_keyring):
    from lianghua_app.check import _keyring

    with pytest.raises(RuntimeError, match="不是系统钥匙串"):
        _keyring()


def test_a_database_with_damaged_pages_is_found(tmp_path):
    import sqlite3

    from lianghua_app.check import run_checks
    from lianghua_app.paths import DataDir

    data_dir = DataDir(tmp_path / "profile").create()
    with sqlite3.connect(data_dir.database_file) as connection:
        connection.execute("CREATE TABLE t (x TEXT)")
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 400)
        connection.execute("CREATE INDEX tx ON t (x)")
    data = bytearray(data_dir.database_file.read_bytes())
    page = 4096
    data[page * 5 + 100: page * 5 + 400] = b"\x07" * 300      # scribble over one page in the middle
    data_dir.database_file.write_bytes(bytes(data))
    [database] = [r for r in run_checks(data_dir) if r.name == "Database"]
    assert not database.ok and "损坏" in database.detail


def test_a_machine_without_a_chinese_font_gets_a_warning_that_says_what_to_install(data_dir, tmp_path, monkeypatch):
    (tmp_path / "no-fonts").mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "no-fonts"}</dir>'
                      f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    font = next(r for r in run_checks(data_dir) if r.name == "Chinese font")
    assert (font.ok, font.required, font.label) == (False, False, "WARN")
    assert "fonts-noto-cjk" in font.detail
