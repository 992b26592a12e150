"""A plain read-only table filled from rows of strings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtWidgets


class RecordTable(QtWidgets.QTableWidget):
    def __init__(self, headers: Sequence[str], sortable: bool = True) -> None:
        super().__init__(0, len(headers))
        self.sortable = sortable
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(sortable)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: Sequence[Sequence[object]]) -> None:
        self.setSortingEnabled(False)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.setItem(r, c, QtWidgets.QTableWidgetItem(str(value)))
        self.setSortingEnabled(self.sortable)

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item else ""
