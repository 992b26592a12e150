"""History downloads from QMT into the database: the command line and the data dock."""

from __future__ import annotations

import json
from datetime import datetime

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database

from lianghua_app.cli import main
from lianghua_app.markets import CHINA_TZ
from lianghua_app.paths import resolve_data_dir


def demo_profile(tmp_path) -> str:
    home = tmp_path / "home"
    settings = resolve_data_dir(str(home), "default").settings_file
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"qmt.backend": "demo", "qmt.userdata_path": "demo"}), encoding="utf-8")
    return str(home)


def test_the_download_command_fills_the_database_with_a_progress_bar(tmp_path, capsys):
    home = demo_profile(tmp_path)
    code = main(["download", "--data-dir", home, "--gateway", "QMT", "--symbols", "600000.SSE,000001.SZSE",
                 "--interval", "d", "--start", "2024-01-02", "--end", "2024-01-31"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "[" + "#" * 30 + "] 2/2" in captured.err
    assert "600000.SSE：22根K线" in captured.out
    assert main(["data", "--data-dir", home]) == 0
    listing = capsys.readouterr().out
    assert "600000" in listing and "000001" in listing


def test_a_bad_symbol_fails_alone_and_the_rest_download(tmp_path, capsys):
    home = demo_profile(tmp_path)
    code = main(["download", "--data-dir", home, "--symbols", "600000,600519.SSE", "--start", "2024-01-02",
                 "--end", "2024-01-05"])
    out = capsys.readouterr().out
    assert code == 1
    assert "600000：失败" in out and "600519.SSE：4根K线" in out


def test_five_minute_bars_are_refused_with_what_to_do_instead(tmp_path, capsys):
    code = main(["download", "--data-dir", str(tmp_path), "--symbols", "600000.SSE", "--interval", "5m",
                 "--start", "2024-01-02"])
    assert code == 2
    assert "BarGenerator" in capsys.readouterr().err


def test_without_qmt_on_this_machine_the_download_explains_why(tmp_path, capsys):
    code = main(["download", "--data-dir", str(tmp_path), "--symbols", "600000.SSE", "--start", "2024-01-02"])
    assert code == 1
    assert "Windows" in capsys.readouterr().err


def test_the_data_dock_downloads_from_qmt_off_the_gui_thread(qtbot, qmt, engine):
    from apps.data_manager.ui import DataManagerWidget

    widget = DataManagerWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    panel = widget.download
    assert panel.gateway_combo.currentText() == "QMT"
    panel.symbols_edit.setText("600000.SSE, 430047.BSE")
    panel.interval_combo.setCurrentIndex(panel.interval_combo.findData(Interval.MINUTE))
    panel.start_edit.setDate(datetime(2024, 6, 3).date())
    panel.end_edit.setDate(datetime(2024, 6, 3).date())
    panel.button.click()
    qtbot.waitUntil(lambda: panel.button.isEnabled(), timeout=20_000)
    assert "下载完成：2个代码成功" in widget.report.toPlainText()
    assert panel.progress.value() == 2
    bars = get_database().load_bar_data("430047", Exchange.BSE, Interval.MINUTE,
                                        datetime(2024, 6, 3, tzinfo=CHINA_TZ), datetime(2024, 6, 4, tzinfo=CHINA_TZ))
    assert len(bars) == 240
    table = widget.overview
    assert "430047" in [table.cell_text(r, 0) for r in range(table.rowCount())]
