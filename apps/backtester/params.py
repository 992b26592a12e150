"""Editors for a strategy's parameters, typed by their defaults: whole numbers, decimals,
switches and text. A value the editor cannot hold cannot be typed."""

from __future__ import annotations

from PySide6 import QtWidgets

LIMIT = 1_000_000_000


class TrimmedSpinBox(QtWidgets.QDoubleSpinBox):
    """Six decimals of precision, shown without the trailing zeros (3.0, not 3.000000)."""

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}".rstrip("0")
        return text + "0" if text.endswith(".") else text


class ParameterForm(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.form = QtWidgets.QFormLayout(self)
        self.editors: dict[str, QtWidgets.QWidget] = {}

    def show_strategy(self, strategy_class: type | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        if strategy_class is None:
            return
        for name in getattr(strategy_class, "parameters", []):
            editor = self._editor(getattr(strategy_class, name, ""))
            self.editors[name] = editor
            self.form.addRow(name, editor)

    @staticmethod
    def _editor(default: object) -> QtWidgets.QWidget:
        if isinstance(default, bool):
            editor = QtWidgets.QCheckBox()
            editor.setChecked(default)
        elif isinstance(default, int):
            editor = QtWidgets.QSpinBox()
            editor.setRange(-LIMIT, LIMIT)
            editor.setValue(default)
        elif isinstance(default, float):
            editor = TrimmedSpinBox()
            editor.setRange(-LIMIT, LIMIT)
            editor.setDecimals(6)
            editor.setValue(default)
        else:
            editor = QtWidgets.QLineEdit(str(default))
        return editor

    def values(self) -> dict:
        values = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QtWidgets.QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox):
                values[name] = editor.value()
            else:
                values[name] = editor.text()
        return values

    def set_value(self, name: str, value: object) -> None:
        editor = self.editors[name]
        if isinstance(editor, QtWidgets.QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox):
            editor.setValue(value)
        else:
            editor.setText(str(value))
