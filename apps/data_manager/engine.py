"""Bars in the database: CSV import with an all-or-nothing commit, and the data overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import BarOverview, get_database
from vnpy.trader.engine import BaseEngine, MainEngine
from vnpy.trader.object import BarData, HistoryRequest

from lianghua_app.i18n import tr
from lianghua_app.storage import STORE_TZ

from .csv_import import read_bars

APP_NAME = "DataManager"


def overview_time(moment: datetime, interval: Interval) -> str:
    """A stored bar's time as the overview shows it: the stored (Beijing) clock, the date alone
    for daily and weekly bars."""
    return f"{moment:%Y-%m-%d}" if interval in (Interval.DAILY, Interval.WEEKLY) else f"{moment:%Y-%m-%d %H:%M}"


@dataclass
class ImportReport:
    path: Path
    rows: int = 0
    imported: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False

    def summary(self) -> str:
        lines = [tr("{name}：共{rows}行，导入{imported}行，问题行{bad}行", name=self.path.name, rows=self.rows,
                    imported=self.imported, bad=len(self.problems))]
        lines += [tr("  第{line}行：{message}", line=line, message=message) for line, message in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(tr("  ……另有{more}行问题", more=len(self.problems) - 50))
        if self.problems and not self.committed:
            lines.append(tr("未写入任何数据。修正后重试，或使用 --skip-bad 跳过问题行"))
        return "\n".join(lines)


@dataclass
class DownloadReport:
    saved: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    resumed: dict[str, datetime] = field(default_factory=dict)       # continued after the stored bars
    gaps: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    funding: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [tr("下载完成：{ok}个代码成功，{bad}个失败", ok=len(self.saved), bad=len(self.failed))]
        for symbol, count in self.saved.items():
            lines.append(tr("  {symbol}：{count}根K线", symbol=symbol, count=count))
            if symbol in self.resumed:
                lines.append(tr("    已有数据，从{moment}续传", moment=self.resumed[symbol].strftime("%Y-%m-%d %H:%M")))
            if symbol in self.funding:
                lines.append(tr("    资金费率{count}条", count=self.funding[symbol]))
            holes = self.gaps.get(symbol, [])
            for first, last in holes[:5]:
                lines.append(tr("    缺口：{first} 至 {last} 没有K线", first=first.strftime("%Y-%m-%d %H:%M"),
                                last=last.strftime("%Y-%m-%d %H:%M")))
            if len(holes) > 5:
                lines.append(tr("    ……另有{more}处缺口", more=len(holes) - 5))
        lines += [tr("  {symbol}：失败，{reason}", symbol=s, reason=r) for s, r in self.failed.items()]
        return "\n".join(lines)


STEPS = {Interval.MINUTE: timedelta(minutes=1), Interval.HOUR: timedelta(hours=1), Interval.DAILY: timedelta(days=1)}


def find_gaps(bars: list[BarData], interval: Interval) -> list[tuple[datetime, datetime]]:
    """Missing bars of a market that never closes (crypto): (first missing, last missing)."""
    step = STEPS.get(interval)
    if step is None:
        return []
    pairs = zip(bars, bars[1:], strict=False)
    return [(a.datetime + step, b.datetime - step) for a, b in pairs if b.datetime - a.datetime > step]


def resume_point(symbol: str, exchange: Exchange, interval: Interval, start: datetime) -> datetime | None:
    """Where a download continues: after the last stored bar, when the stored bars begin no
    later than `start` (otherwise the range is fetched whole, leaving no hole)."""
    step = STEPS.get(interval)
    for o in bar_overview():
        if (o.symbol, o.exchange, o.interval) == (symbol, exchange, interval) and step and o.start and o.end:
            stored_start = o.start if o.start.tzinfo else o.start.replace(tzinfo=STORE_TZ)
            stored_end = o.end if o.end.tzinfo else o.end.replace(tzinfo=STORE_TZ)
            if stored_start <= start <= stored_end:
                return stored_end + step
    return None


Progress = Callable[[int, int, str], None]


class DataManagerEngine(BaseEngine):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__(main_engine, event_engine, APP_NAME)

    def import_csv(self, path: Path, symbol: str, exchange: Exchange, interval: Interval,
                   skip_bad: bool = False) -> ImportReport:
        """Raises CsvFormatError when the file cannot be read at all (no header, missing columns)."""
        result = read_bars(Path(path), symbol, exchange, interval)
        report = ImportReport(Path(path), rows=result.rows, problems=result.problems)
        if (result.problems and not skip_bad) or not result.bars:
            return report
        get_database().save_bar_data(result.bars)
        report.imported = len(result.bars)
        report.committed = True
        return report

    def download(self, gateway_name: str, vt_symbols: list[str], interval: Interval, start: datetime,
                 end: datetime, progress: Progress | None = None) -> DownloadReport:
        """Bars from a gateway's history service into the database, one symbol at a time; a
        failing symbol is reported and the rest continue. Blocking: run it off the GUI thread."""
        gateway = self.main_engine.get_gateway(gateway_name)
        if gateway is None:
            raise ValueError(tr("接口{name}不存在或未加载", name=gateway_name))
        report = DownloadReport()
        for done, vt_symbol in enumerate(vt_symbols):
            if progress:
                progress(done, len(vt_symbols), vt_symbol)
            symbol, _, suffix = vt_symbol.rpartition(".")
            try:
                exchange = Exchange(suffix)
                first = resume_point(symbol, exchange, interval, start) or start
                bars = gateway.query_history(HistoryRequest(symbol, exchange, first, end, interval)) \
                    if first <= end else []
                funding = gateway.query_funding(symbol, start, end) if hasattr(gateway, "query_funding") else None
            except ValueError:
                report.failed[vt_symbol] = tr("代码格式应为 600000.SSE / 000001.SZSE / 430047.BSE / BTCUSDT.GLOBAL")
                continue
            except Exception as error:  # the venue's message is what the user needs to see
                report.failed[vt_symbol] = str(error)
                continue
            if exchange is Exchange.GLOBAL:
                report.gaps[vt_symbol] = find_gaps(bars, interval)
            if bars:
                get_database().save_bar_data(bars)          # (vnpy's store may rewrite bar times in place)
            report.saved[vt_symbol] = len(bars)
            if first != start:
                report.resumed[vt_symbol] = first
            if funding is not None:
                from apps.backtester.funding import save_funding

                report.funding[vt_symbol] = save_funding(symbol, exchange, funding)
        if progress:
            progress(len(vt_symbols), len(vt_symbols), "")
        return report

    def overview(self) -> list[BarOverview]:
        return bar_overview()


def bar_overview() -> list[BarOverview]:
    """What bars the database holds, by symbol, exchange and interval."""
    return sorted(get_database().get_bar_overview(), key=lambda o: (o.symbol, o.exchange.value, o.interval.value))
