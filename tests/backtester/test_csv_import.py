"""Importing bars from CSV: validated row by row, all or nothing unless told to skip."""

from datetime import datetime
from pathlib import Path

import pytest
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database

from apps.data_manager.csv_import import CsvFormatError
from lianghua_app.cli import main
from lianghua_app.markets import CHINA_TZ, UTC

HEADER = "datetime,open,high,low,close,volume,openinterest\n"
GOOD_ROWS = ["2024-06-03,10.0,10.5,9.8,10.2,100000,0\n", "2024-06-04,10.2,10.4,10.0,10.1,90000,0\n",
             "2024-06-05,10.1,10.3,9.9,10.0,80000,0\n"]


def csv_file(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "bars.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def data(engine):
    return engine.get_engine("DataManager")


def test_good_file_is_imported_and_listed_in_the_overview(data, tmp_path):
    report = data.import_csv(csv_file(tmp_path, GOOD_ROWS), "000001", Exchange.SZSE, Interval.DAILY)
    assert (report.committed, report.imported) == (True, 3)
    [row] = data.overview()
    assert (row.symbol, row.exchange, row.interval, row.count) == ("000001", Exchange.SZSE, Interval.DAILY, 3)
    assert (row.start.date().isoformat(), row.end.date().isoformat()) == ("2024-06-03", "2024-06-05")


def test_bad_rows_are_reported_by_line_and_nothing_is_committed(data, tmp_path):
    rows = [GOOD_ROWS[0], "2024-06-04,10.2,9.0,10.0,10.1,90000,0\n", "2024-06-05,abc,10.3,9.9,10.0,80000,0\n"]
    report = data.import_csv(csv_file(tmp_path, rows), "000001", Exchange.SZSE, Interval.DAILY)
    assert [line for line, _ in report.problems] == [3, 4]
    assert "最高价/最低价与开收盘价矛盾" in report.problems[0][1]
    assert report.problems[1][1] == "open列“abc”不是数字"
    assert not report.committed and data.overview() == []


def test_skip_bad_imports_the_good_rows(data, tmp_path):
    rows = [GOOD_ROWS[0], "not-a-date,1,1,1,1,1,0\n", GOOD_ROWS[2]]
    report = data.import_csv(csv_file(tmp_path, rows), "000001", Exchange.SZSE, Interval.DAILY, skip_bad=True)
    assert (report.imported, len(report.problems)) == (2, 1)
    assert data.overview()[0].count == 2


def test_duplicate_times_are_reported_with_the_first_line(data, tmp_path):
    report = data.import_csv(csv_file(tmp_path, [GOOD_ROWS[0], GOOD_ROWS[0]]), "000001", Exchange.SZSE,
                             Interval.DAILY)
    assert report.problems == [(3, "时间2024-06-03 00:00:00与第2行重复")]


def test_missing_columns_are_named(data, tmp_path):
    with pytest.raises(CsvFormatError, match="表头缺少列：volume"):
        data.import_csv(csv_file(tmp_path, GOOD_ROWS, header="datetime,open,high,low,close\n"), "000001",
                        Exchange.SZSE, Interval.DAILY)


def test_cli_import_reports_and_exits_nonzero_on_bad_rows(tmp_path, capsys):
    path = csv_file(tmp_path, [GOOD_ROWS[0], "2024-06-04,,10.4,10.0,10.1,90000,0\n"])
    code = main(["import-csv", str(path), "--symbol", "000001", "--exchange", "SZSE", "--interval", "d",
                 "--data-dir", str(tmp_path / "home")])
    out = capsys.readouterr().out
    assert code == 1
    assert "第3行：open列缺少数值" in out and "未写入任何数据" in out


def test_cli_import_then_data_lists_the_bars(tmp_path, capsys):
    home = str(tmp_path / "home")
    assert main(["import-csv", str(csv_file(tmp_path, GOOD_ROWS)), "--symbol", "000001", "--exchange", "SZSE",
                 "--interval", "d", "--data-dir", home]) == 0
    assert main(["data", "--data-dir", home]) == 0
    assert "000001      SZSE      d                  3  2024-06-03" in capsys.readouterr().out


def test_cli_rejects_an_unknown_interval_clearly(tmp_path, capsys):
    code = main(["import-csv", str(csv_file(tmp_path, GOOD_ROWS)), "--symbol", "000001", "--exchange", "SZSE",
                 "--interval", "3d", "--data-dir", str(tmp_path / "home")])
    assert code == 2 and "未知周期“3d”" in capsys.readouterr().err


def test_a_gbk_file_with_chinese_headers_is_imported(data, tmp_path):
    path = tmp_path / "通达信导出.csv"
    path.write_bytes(("日期,开盘,最高,最低,收盘,成交量\n" + "".join(r.rsplit(",", 1)[0] + "\n" for r in GOOD_ROWS))
                     .encode("gbk"))
    report = data.import_csv(path, "000001", Exchange.SZSE, Interval.DAILY)
    assert (report.committed, report.imported) == (True, 3)


@pytest.mark.parametrize("make, words", [(lambda p: p.mkdir(), "文件夹"),
                                         (lambda p: p.write_bytes(b"\x00\x01\xff\xfe" * 100), "不是文本文件")])
def test_a_folder_or_a_binary_file_is_explained(data, tmp_path, make, words):
    path = tmp_path / "bars.csv"
    make(path)
    with pytest.raises(CsvFormatError, match=words):
        data.import_csv(path, "000001", Exchange.SZSE, Interval.DAILY)


def test_a_gbk_sector_file_is_read(tmp_path):
    from lianghua_app.sectors import read_sector_csv

    path = tmp_path / "sectors.csv"
    path.write_bytes("symbol,sector\n600519,食品饮料\n000001,银行\n".encode("gbk"))
    assert read_sector_csv(path) == {"600519": "食品饮料", "000001": "银行"}


@pytest.mark.usefixtures("machine_zone")
@pytest.mark.parametrize(("symbol", "exchange", "text", "expected"), [
    ("000001", Exchange.SZSE, "2024-06-03 09:31:00", datetime(2024, 6, 3, 9, 31, tzinfo=CHINA_TZ)),
    ("BTCUSDT", Exchange.GLOBAL, "2017-11-04 00:00:00", datetime(2017, 11, 4, tzinfo=UTC)),
    ("BTCUSDT", Exchange.GLOBAL, "2017-11-04T08:00:00+08:00", datetime(2017, 11, 4, tzinfo=UTC)),
])
def test_times_are_read_in_the_markets_clock_unless_the_file_gives_a_zone(data, tmp_path, symbol, exchange, text,
                                                                           expected):
    path = csv_file(tmp_path, [f"{text},10.0,10.5,9.8,10.2,100000,0\n"])
    assert data.import_csv(path, symbol, exchange, Interval.MINUTE).imported == 1
    [bar] = get_database().load_bar_data(symbol, exchange, Interval.MINUTE, expected, expected)
    assert bar.datetime == expected
