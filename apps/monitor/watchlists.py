"""Watchlists (custom sectors): named, ordered symbol lists with a note each, kept in the
database, imported from and exported to CSV (`symbol,name,note`; symbol as `600519`,
`600519.SH` or `600519.SSE`)."""

from __future__ import annotations

import csv
from pathlib import Path

from lianghua_app.i18n import tr
from lianghua_app.markets import ashare_vt_symbol
from lianghua_app.storage import database_proxy, stored_time
from lianghua_app.storage.models import Watchlist, WatchlistMember
from lianghua_app.textfiles import FileProblem, open_csv


class WatchlistError(ValueError):
    pass


def all_watchlists() -> dict[str, list[tuple[str, str]]]:
    """Name -> [(vt_symbol, note), ...] in the user's order."""
    lists: dict[str, list[tuple[str, str]]] = {w.name: [] for w in Watchlist.select().order_by(Watchlist.id)}
    query = (WatchlistMember.select(WatchlistMember, Watchlist).join(Watchlist)
             .order_by(WatchlistMember.watchlist, WatchlistMember.position))
    for member in query:
        lists[member.watchlist.name].append((member.vt_symbol, member.note))
    return lists


def save(name: str, members: list[tuple[str, str]]) -> None:
    """Create or replace a watchlist. Refuses an empty name or a symbol that is not an A-share."""
    name = name.strip()
    if not name:
        raise WatchlistError(tr("自选股列表需要一个名称"))
    rows, seen = [], set()
    for symbol, note in members:
        vt_symbol = ashare_vt_symbol(symbol) or (symbol if "." in symbol else None)
        if vt_symbol is None:
            raise WatchlistError(tr("{symbol} 不是有效的代码（例：600519 或 600519.SSE）", symbol=symbol))
        if vt_symbol not in seen:
            seen.add(vt_symbol)
            rows.append((vt_symbol, note))
    with database_proxy.atomic():
        watchlist, _ = Watchlist.get_or_create(name=name, defaults={"created": stored_time(None)})
        WatchlistMember.delete().where(WatchlistMember.watchlist == watchlist).execute()
        if rows:
            WatchlistMember.insert_many([{"watchlist": watchlist, "vt_symbol": s, "note": n, "position": i}
                                         for i, (s, n) in enumerate(rows)]).execute()


def delete(name: str) -> None:
    Watchlist.delete().where(Watchlist.name == name).execute()


def read_csv(path: Path) -> list[tuple[str, str]]:
    """Members from a CSV; every bad line is named, nothing is half-read."""
    try:
        with open_csv(path) as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            if "symbol" not in columns:
                raise WatchlistError(tr("文件 {path} 须有 symbol 列（可选 name、note），实际为：{columns}", path=path,
                                        columns=", ".join(columns) or "-"))
            reader.fieldnames = columns
            members, problems = [], []
            for line, row in enumerate(reader, start=2):
                symbol = (row.get("symbol") or "").strip()
                vt_symbol = ashare_vt_symbol(symbol)
                if vt_symbol is None:
                    problems.append(tr("第{line}行：{symbol!r} 不是有效的A股代码", line=line, symbol=symbol))
                else:
                    members.append((vt_symbol, (row.get("note") or "").strip()))
    except (FileProblem, csv.Error) as error:
        raise WatchlistError(tr("文件 {path} 无法读取：{error}", path=path, error=error)) from error
    if problems:
        raise WatchlistError(tr("文件 {path} 有错误，未导入：", path=path) + "；".join(problems[:10]))
    return members


def write_csv(path: Path, members: list[tuple[str, str]], names: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["symbol", "name", "note"])
        for vt_symbol, note in members:
            writer.writerow([vt_symbol, names.get(vt_symbol, ""), note])
