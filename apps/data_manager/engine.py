"""Bars in the database: CSV import with an all-or-nothing commit, and the data overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import BarOverview, get_database
from vnpy.trader.engine import BaseEngine, MainEngine

from lianghua_app.i18n import tr

from .csv_import import read_bars

APP_NAME = "DataManager"


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

    def overview(self) -> list[BarOverview]:
        return sorted(get_database().get_bar_overview(),
                      key=lambda o: (o.symbol, o.exchange.value, o.interval.value))
