"""Watchlists: create, edit, CSV round trip, and a bad file refused whole."""

from __future__ import annotations

import pytest

from apps.monitor.watchlists import WatchlistError


def test_a_watchlist_survives_a_csv_round_trip_with_order_and_notes(monitor, tmp_path):
    monitor.save_watchlist("核心", [("600519", "白酒龙头"), ("000001.SZ", ""), ("430047.BSE", "北交所")])
    path = tmp_path / "core.csv"
    monitor.export_watchlist("核心", path)
    monitor.delete_watchlist("核心")
    assert "核心" not in monitor.watchlists
    assert monitor.import_watchlist(path, "核心副本") == 3
    assert monitor.watchlists["核心副本"] == [("600519.SSE", "白酒龙头"), ("000001.SZSE", ""), ("430047.BSE", "北交所")]
    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == "symbol,name,note"


def test_a_csv_with_a_bad_code_names_the_line_and_imports_nothing(monitor, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("symbol,note\n600519,ok\n60051,typo\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="第3行"):
        monitor.import_watchlist(path, "坏文件")
    assert "坏文件" not in monitor.watchlists


def test_a_csv_without_a_symbol_column_says_which_columns_it_needs(monitor, tmp_path):
    path = tmp_path / "columns.csv"
    path.write_text("code,note\n600519,x\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="symbol"):
        monitor.import_watchlist(path, "x")


def test_watching_a_watchlist_limits_alerts_to_its_members(monitor):
    monitor.save_watchlist("核心", [("600519", "")])
    assert monitor.apply({**monitor.config.to_dict(), "watchlists": ["核心"]}) == []
    assert monitor.detector.scope == {"600519.SSE"}
    assert monitor.apply({**monitor.config.to_dict(), "watchlists": ["不存在"]})
    assert monitor.config.watchlists == ["核心"]


def test_a_bad_rule_setting_is_refused_and_the_old_one_stays(monitor):
    errors = monitor.apply({"params": {"fast_move": {"minutes": 0}}})
    assert errors and "正整数" in errors[0]
    assert monitor.config.params["fast_move"]["minutes"] == 5
    assert monitor.apply({"params": {"fast_move": {"minutes": 3}}}) == []
    assert monitor.detector.config.params["fast_move"]["minutes"] == 3
