"""The symbols the monitor has seen: one row each in every state array, in order of arrival."""

from __future__ import annotations

import numpy as np


class Universe:
    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.symbols: list[str] = []
        self.names: list[str] = []
        self._cached: tuple[list[str] | None, np.ndarray] = (None, np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.symbols)

    def add(self, vt_symbol: str, name: str = "") -> int:
        row = self.rows.get(vt_symbol)
        if row is None:
            row = self.rows[vt_symbol] = len(self.symbols)
            self.symbols.append(vt_symbol)
            self.names.append(name or vt_symbol.split(".")[0])
        elif name and self.names[row] != name:
            self.names[row] = name
        return row

    def rows_of(self, vt_symbols: list[str], names: list[str] | None = None) -> np.ndarray:
        """Rows of `vt_symbols`, adding the new ones. A gateway that sends the same symbol list
        object with every snapshot is looked up once."""
        cached, rows = self._cached
        if cached is vt_symbols and len(rows) == len(vt_symbols):
            return rows
        get = self.rows.get
        found = [get(s, -1) for s in vt_symbols]
        if -1 in found:
            found = [self.add(s, names[i] if names else "") if r < 0 else r for i, (s, r) in
                     enumerate(zip(vt_symbols, found, strict=True))]
        rows = np.array(found, dtype=np.int64)
        self._cached = (vt_symbols, rows)
        return rows
