"""Sector / industry membership: from the gateway's contracts (`extra["sector"]`) or a user CSV
with the columns `symbol,sector` (symbol as `600519` or `600519.SSE`)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from .i18n import tr
from .textfiles import FileProblem, open_csv


class SectorFileError(ValueError):
    pass


def adopt_sector_csv(path: Path, profile_copy: Path, keep: bool, use: Callable[[dict[str, str]], None],
                     warn: Callable[[str], None]) -> str | None:
    """Read a sector CSV, copy it into the profile with `keep` (the risk manager and the monitor
    share that copy) and hand it to `use`. When it is unusable nothing is copied or used: `warn`
    gets the reason, which is also returned."""
    try:
        sectors = read_sector_csv(path)
    except SectorFileError as error:
        warn(str(error))
        return str(error)
    if keep and path != profile_copy:
        profile_copy.write_bytes(path.read_bytes())
    use(sectors)
    return None


def read_sector_csv(path: Path) -> dict[str, str]:
    """Code (without exchange) -> sector. Raises SectorFileError naming the line at fault."""
    try:
        with open_csv(path) as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip().lower() for name in reader.fieldnames or []]
            if "symbol" not in columns or "sector" not in columns:
                raise SectorFileError(tr("行业文件 {path} 须有 symbol 和 sector 两列，实际为：{columns}", path=path,
                                         columns=", ".join(columns) or "-"))
            reader.fieldnames = columns
            sectors: dict[str, str] = {}
            for line, row in enumerate(reader, start=2):
                symbol, sector = (row.get("symbol") or "").strip(), (row.get("sector") or "").strip()
                if not symbol or not sector:
                    raise SectorFileError(tr("行业文件 {path} 第{line}行缺少代码或行业", path=path, line=line))
                sectors[symbol.split(".")[0]] = sector
    except FileProblem as error:
        raise SectorFileError(tr("行业文件无法读取：{error}", error=error)) from error
    return sectors
