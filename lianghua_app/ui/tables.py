"""A plain read-only table filled from rows of strings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets


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
