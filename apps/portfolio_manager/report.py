"""Attribution as the user reads it: rows in one base currency, summed by strategy, symbol,
gateway or account, per day or cumulative; each account's equity change against what the rows
explain, with the residual shown; CSV out. Pure."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from lianghua_app.markets import currency_of, exchange_of
from lianghua_app.markets.money import convert

from .attribution import PARTS, DayRow

GROUPS = {"strategy": "策略", "vt_symbol": "代码", "gateway": "接口", "account": "账户"}


def currency_of_symbol(vt_symbol: str) -> str:
    return currency_of(exchange_of(vt_symbol))


def account_of(gateway: str, vt_symbol: str) -> str:
    """Attribution's account key: the gateway and the currency the symbol settles in."""
    return f"{gateway}.{currency_of_symbol(vt_symbol)}"


def _key(row: DayRow, by: str) -> str:
    return account_of(row.gateway, row.vt_symbol) if by == "account" else getattr(row, by)


@dataclass(frozen=True)
class Line:
    key: str
    day: date | None                # None: cumulative
    parts: dict[str, float]         # in the base currency

    @property
    def total(self) -> float:
        return sum(self.parts.values())


@dataclass(frozen=True)
class AccountCheck:
    """An account's equity change between two recorded days against the attribution rows of the
    days after the first up to the second; the residual is what no row explains (deposits,
    withdrawals, fills or fees the journal does not have)."""
    account: str
    start: date
    end: date
    currency: str
    change: float
    explained: float

    @property
    def residual(self) -> float:
        return self.change - self.explained


@dataclass
class Report:
    base: str
    usdt_cny: float
    rows: list[DayRow] = field(default_factory=list)
    checks: list[AccountCheck] = field(default_factory=list)
    estimated: list[tuple[str, date]] = field(default_factory=list)   # closes taken from the day's last fill
    since: date | None = None
    fill_count: int = 0

    def in_base(self, row: DayRow, amount: float) -> float:
        return convert(amount, currency_of_symbol(row.vt_symbol), self.base, self.usdt_cny)

    def lines(self, by: str, daily: bool) -> list[Line]:
        sums: dict[tuple[str, date | None], dict[str, float]] = defaultdict(lambda: dict.fromkeys(PARTS, 0.0))
        for row in self.rows:
            key = _key(row, by)
            parts = sums[(key, row.day if daily else None)]
            for part in PARTS:
                parts[part] += self.in_base(row, getattr(row, part))
        return [Line(key, day, parts) for (key, day), parts in
                sorted(sums.items(), key=lambda item: (item[0][1] or date.min, item[0][0]))]

    def drill(self, by: str, key: str, day: date | None) -> list[DayRow]:
        """The rows behind one line."""
        return [r for r in self.rows if _key(r, by) == key and (day is None or r.day == day)]

    def books(self, by: str, key: str, day: date | None) -> set[tuple[str, str, str]]:
        """The (gateway, strategy, vt_symbol) books behind one line."""
        return {(r.gateway, r.strategy, r.vt_symbol) for r in self.drill(by, key, day)}

    def curves(self) -> dict[str, list[tuple[date, float]]]:
        """Cumulative PnL per strategy, in the base currency, day by day."""
        daily: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
        for row in self.rows:
            daily[row.strategy][row.day] += self.in_base(row, row.total)
        curves = {}
        for strategy, days in daily.items():
            running, points = 0.0, []
            for day in sorted(days):
                running += days[day]
                points.append((day, running))
            curves[strategy] = points
        return curves


def check_accounts(rows: list[DayRow], equity: list[tuple[date, str, str, float]]) -> list[AccountCheck]:
    """`equity`: (day, account, currency, balance) as recorded, one per account and day."""
    explained: dict[tuple[str, date], float] = defaultdict(float)
    for row in rows:
        explained[(account_of(row.gateway, row.vt_symbol), row.day)] += row.total
    by_account: dict[str, list[tuple[date, str, float]]] = defaultdict(list)
    for day, account, currency, balance in equity:
        by_account[account].append((day, currency, balance))
    checks = []
    for account, points in by_account.items():
        points.sort()
        for (start, _, before), (end, currency, after) in zip(points, points[1:], strict=False):
            parts = sum(value for (acc, day), value in explained.items() if acc == account and start < day <= end)
            checks.append(AccountCheck(account, start, end, currency, after - before, parts))
    return checks


def to_csv(report: Report, by: str, daily: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([GROUPS[by], "日期", "交易盈亏", "持仓盈亏", "手续费", "税费", "资金费", "合计", "币种"])
    for line in report.lines(by, daily):
        writer.writerow([line.key, line.day.isoformat() if line.day else "累计",
                         *(f"{line.parts[p]:.2f}" for p in PARTS), f"{line.total:.2f}", report.base])
    return out.getvalue()
