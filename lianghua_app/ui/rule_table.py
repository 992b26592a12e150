"""One editor for a set of rules, as the risk and monitor docks show them: a row per rule, fixed
text columns, on/off switches, a parameters cell edited as JSON and checked on reading, and
optional live widgets (a usage bar)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from ..i18n import tr


@dataclass(frozen=True)
class RuleColumn:
    title: str
    kind: str                                           # "text", "check", "params" or "widget"
    text: Callable[[object], str] | None = None         # text: what a rule shows
    section: str = ""                                   # check: the configuration section it switches
    widget: Callable[[str], QtWidgets.QWidget] | None = None   # widget: made once per rule name


class RuleTable(QtWidgets.QTableWidget):
    def __init__(self, rules: Mapping[str, object], columns: Sequence[RuleColumn]) -> None:
        super().__init__(len(rules), len(columns))
        self.rules, self.columns = rules, columns
        self.widgets: dict[str, QtWidgets.QWidget] = {}
        self.setHorizontalHeaderLabels([tr(column.title) for column in columns])
        self.verticalHeader().setVisible(False)
        for row, (name, rule) in enumerate(rules.items()):
            for index, column in enumerate(columns):
                if column.kind == "widget":
                    self.widgets[name] = column.widget(name)
                    self.setCellWidget(row, index, self.widgets[name])
                    continue
                item = QtWidgets.QTableWidgetItem(column.text(rule) if column.kind == "text" else "")
                if column.kind == "check":
                    item.setFlags(QtCore.Qt.ItemFlag.ItemIsUserCheckable | QtCore.Qt.ItemFlag.ItemIsEnabled)
                elif column.kind == "text":
                    item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, name)
                self.setItem(row, index, item)
        params = self.column_of("params")
        if params is not None:
            self.horizontalHeader().setSectionResizeMode(params, QtWidgets.QHeaderView.ResizeMode.Stretch)

    def column_of(self, kind: str, section: str = "") -> int | None:
        return next((i for i, c in enumerate(self.columns) if c.kind == kind and (not section or c.section == section)),
                    None)

    def show_config(self, switches: Mapping[str, Mapping[str, bool]], params: Mapping[str, dict]) -> None:
        """`switches`: section -> rule -> on."""
        for row, name in enumerate(self.rules):
            for section, states in switches.items():
                self.item(row, self.column_of("check", section)).setCheckState(_state(states[name]))
            self.item(row, self.column_of("params")).setText(json.dumps(params[name], ensure_ascii=False))

    def switch_only(self, section: str, names: set[str]) -> None:
        column = self.column_of("check", section)
        for row, name in enumerate(self.rules):
            self.item(row, column).setCheckState(_state(name in names))

    def read(self) -> tuple[dict[str, dict[str, bool]], dict[str, dict], list[str]]:
        """(switches by section, parameters by rule, what cannot be read), as the table shows them."""
        switches = {c.section: {} for c in self.columns if c.kind == "check"}
        params, errors = {}, []
        for row, (name, rule) in enumerate(self.rules.items()):
            for section in switches:
                item = self.item(row, self.column_of("check", section))
                switches[section][name] = item.checkState() == QtCore.Qt.CheckState.Checked
            try:
                params[name] = json.loads(self.item(row, self.column_of("params")).text() or "{}")
            except ValueError as error:
                errors.append(tr("{rule} 的参数不是有效的JSON：{error}", rule=tr(rule.label), error=error))
        return switches, params, errors


def _state(on: bool) -> QtCore.Qt.CheckState:
    return QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
