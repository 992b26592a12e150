"""A plain read-only table filled from rows of strings; numbers are right-aligned, as traders read
columns of figures."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+(e[+-]?\d+)?%?$")
RIGHT = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter


class RecordTable(QtWidgets.QTableWidget):
    def __init__(self, headers: Sequence[str], sortable: bool = True) -> None:
        super().__init__(0, len(headers))
        self.sortable = sortable
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(sortable)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: Sequence[Sequence[object]], records: Sequence[object] | None = None) -> None:
        """`records`: the object behind each row, found again by `record` whatever the sort order."""
        self.setSortingEnabled(False)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QtWidgets.QTableWidgetItem(str(value))
                if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.match(value)):
                    item.setTextAlignment(RIGHT)
                if c == 0 and records is not None:
                    item.setData(QtCore.Qt.ItemDataRole.UserRole, records[r])
                self.setItem(r, c, item)
        self.setSortingEnabled(self.sortable)

    def record(self, row: int) -> object:
        item = self.item(row, 0)
        return item.data(QtCore.Qt.ItemDataRole.UserRole) if item else None

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item else ""
