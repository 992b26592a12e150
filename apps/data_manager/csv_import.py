"""Reading bar CSV files row by row: every bad row is reported with its line number."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData

from lianghua_app.i18n import tr
from lianghua_app.markets import clock_of
from lianghua_app.textfiles import FileProblem, open_csv

COLUMN_ALIASES = {   # English names, and the Chinese ones market software exports (often in GBK)
    "datetime": ("datetime", "date", "time", "timestamp", "trade_date", "日期", "时间", "交易日期"),
    "open": ("open", "open_price", "开盘", "开盘价"),
    "high": ("high", "high_price", "最高", "最高价"),
    "low": ("low", "low_price", "最低", "最低价"),
    "close": ("close", "close_price", "收盘", "收盘价"),
    "volume": ("volume", "vol", "成交量"),
    "turnover": ("turnover", "amount", "成交额"),
    "open_interest": ("openinterest", "open_interest", "oi", "持仓量"),
}
REQUIRED = ("datetime", "open", "high", "low", "close", "volume")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
                    "%Y%m%d", "%Y-%m-%dT%H:%M:%S")


@dataclass
class CsvReadResult:
    bars: list[BarData] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)   # (line number, message)
    rows: int = 0


class CsvFormatError(ValueError):
    pass


def read_bars(path: Path, symbol: str, exchange: Exchange, interval: Interval) -> CsvReadResult:
    try:
        handle = open_csv(path)
    except FileProblem as error:
        raise CsvFormatError(str(error)) from error
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise CsvFormatError(tr("文件{path}为空", path=path))
        columns = _map_columns(header)
        result = CsvReadResult()
        seen: dict[datetime, int] = {}
        for line_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            result.rows += 1
            bar, problem = _parse_row(row, columns, symbol, exchange, interval)
            if problem is None and bar.datetime in seen:
                problem = tr("时间{time:%Y-%m-%d %H:%M:%S}与第{line}行重复", time=bar.datetime, line=seen[bar.datetime])
            if problem:
                result.problems.append((line_number, problem))
                continue
            seen[bar.datetime] = line_number
            result.bars.append(bar)
    result.bars.sort(key=lambda bar: bar.datetime)
    return result


def _map_columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names:
                columns[key] = names.index(alias)
                break
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise CsvFormatError(tr("表头缺少列：{missing}；需要：{required}（可选：turnover, openinterest）",
                                missing=", ".join(missing), required=",".join(REQUIRED)))
    return columns


def _parse_row(row: list[str], columns: dict[str, int], symbol: str, exchange: Exchange,
               interval: Interval) -> tuple[BarData | None, str | None]:
    if len(row) <= max(columns.values()):
        return None, tr("列数不足：需要{need}列，实际{got}列", need=max(columns.values()) + 1, got=len(row))
    moment = _parse_datetime(row[columns["datetime"]].strip())
    if moment is None:
        return None, tr("无法识别的时间“{value}”，例：2015-06-01 或 2015-06-01 09:30:00",
                        value=row[columns["datetime"]])
    values: dict[str, float] = {}
    for key in ("open", "high", "low", "close", "volume", "turnover", "open_interest"):
        if key not in columns:
            values[key] = 0.0
            continue
        text = row[columns[key]].strip()
        try:
            values[key] = float(text) if text else (0.0 if key in ("turnover", "open_interest") else math.nan)
        except ValueError:
            return None, tr("{column}列“{value}”不是数字", column=key, value=text)
        if not math.isfinite(values[key]):
            return None, tr("{column}列缺少数值", column=key)
    o, h, low, c = values["open"], values["high"], values["low"], values["close"]
    if min(o, h, low, c) <= 0:
        return None, tr("价格须大于0")
    if h < max(o, c, low) or low > min(o, c, h):
        return None, tr("最高价/最低价与开收盘价矛盾（open={o} high={h} low={l} close={c}）", o=o, h=h, l=low, c=c)
    if values["volume"] < 0:
        return None, tr("成交量不得为负")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock_of(exchange))
    bar = BarData(gateway_name="CSV", symbol=symbol, exchange=exchange, datetime=moment,
                  interval=interval, volume=values["volume"], turnover=values["turnover"],
                  open_interest=values["open_interest"], open_price=o, high_price=h, low_price=low, close_price=c)
    return bar, None


def _parse_datetime(text: str) -> datetime | None:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
