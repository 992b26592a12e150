"""The watchlist tab: lists on the left, members on the right, CSV import and export."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from lianghua_app.i18n import tr
from lianghua_app.ui.tables import RecordTable

from .engine import MonitorEngine
from .watchlists import WatchlistError


class WatchPanel(QtWidgets.QWidget):
    def __init__(self, engine: MonitorEngine) -> None:
        super().__init__()
        self.engine = engine
        self.lists = QtWidgets.QListWidget()
        self.lists.currentTextChanged.connect(self.show_members)
        self.members = RecordTable([tr("代码"), tr("名称"), tr("备注")])
        self.symbol_edit = QtWidgets.QLineEdit()
        self.symbol_edit.setPlaceholderText(tr("代码，如 600519 或 600519.SSE"))
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        buttons = QtWidgets.QHBoxLayout()
        for label, slot in ((tr("新建…"), self.create), (tr("删除列表"), self.delete), (tr("添加"), self.add_symbol),
                            (tr("移除选中"), self.remove_selected), (tr("导入CSV…"), self.import_csv),
                            (tr("导出CSV…"), self.export_csv), (tr("导入行业CSV…"), self.import_sectors)):
            button = QtWidgets.QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.symbol_edit)
        right.addWidget(self.members)
        split = QtWidgets.QHBoxLayout()
        split.addWidget(self.lists, 1)
        split.addLayout(right, 3)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(split)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.reload()

    def current(self) -> str:
        item = self.lists.currentItem()
        return item.text() if item else ""

    def reload(self, select: str = "") -> None:
        self.lists.clear()
        self.lists.addItems(self.engine.watchlist_names())
        matches = self.lists.findItems(select, QtCore.Qt.MatchFlag.MatchExactly) if select else []
        if matches:
            self.lists.setCurrentItem(matches[0])
        elif self.lists.count():
            self.lists.setCurrentRow(0)
        self.show_members(self.current())

    def show_members(self, name: str) -> None:
        self.members.set_rows(self.engine.watchlist_members(name))

    def _save(self, name: str, members: list[tuple[str, str]], message: str) -> None:
        try:
            self.engine.save_watchlist(name, members)
        except WatchlistError as error:
            self.status.setText(str(error))
            return
        self.status.setText(message)
        self.reload(name)

    def create(self) -> None:
        name, ok = QtWidgets.QInputDialog.getText(self, tr("新建自选股列表"), tr("名称："))
        if ok:
            self._save(name, [], tr("已新建：{name}", name=name.strip()))

    def delete(self) -> None:
        name = self.current()
        if name:
            self.engine.delete_watchlist(name)
            self.status.setText(tr("已删除：{name}", name=name))
            self.reload()

    def add_symbol(self) -> None:
        name, symbol = self.current(), self.symbol_edit.text().strip()
        if not name:
            self.status.setText(tr("请先新建或选择一个自选股列表"))
            return
        if symbol:
            members = [(s, note) for s, _, note in self.engine.watchlist_members(name)] + [(symbol, "")]
            self._save(name, members, tr("已添加：{symbol}", symbol=symbol))
            self.symbol_edit.clear()

    def remove_selected(self) -> None:
        name = self.current()
        chosen = {self.members.cell_text(i.row(), 0) for i in self.members.selectedIndexes()}
        if name and chosen:
            kept = [(s, note) for s, _, note in self.engine.watchlist_members(name) if s not in chosen]
            self._save(name, kept, tr("已移除{count}只", count=len(chosen)))

    def import_csv(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, tr("导入自选股CSV"), "", "CSV (*.csv)")
        if not path:
            return
        name = self.current() or Path(path).stem
        try:
            count = self.engine.import_watchlist(Path(path), name)
        except WatchlistError as error:
            self.status.setText(str(error))
            return
        self.status.setText(tr("已导入{count}只到 {name}", count=count, name=name))
        self.reload(name)

    def export_csv(self) -> None:
        name = self.current()
        if not name:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, tr("导出自选股CSV"), f"{name}.csv", "CSV (*.csv)")
        if path:
            try:
                self.engine.export_watchlist(name, Path(path))
            except OSError as error:
                self.status.setText(tr("无法写入 {path}：{error}", path=path, error=error))
                return
            self.status.setText(tr("已导出到 {path}", path=path))

    def import_sectors(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, tr("导入行业CSV"), "", "CSV (*.csv)")
        if path:
            error = self.engine.load_sectors(Path(path))
            self.status.setText(error or tr("行业分类已导入（风控同样使用）"))
