"""The CTA dock: vnpy's manager, with a parameter dialog in words (each parameter's type named,
where the defaults come from and a choice of them, the bar interval the strategy runs on)."""

from __future__ import annotations

from PySide6 import QtWidgets
from vnpy.trader.constant import Interval
from vnpy_ctastrategy.ui.widget import CtaManager as VnpyCtaManager
from vnpy_ctastrategy.ui.widget import StrategyManager as VnpyStrategyManager

from lianghua_app.formatting import interval_words
from lianghua_app.i18n import tr

from .engine import BAR_INTERVAL

TYPE_WORDS = {int: "整数", float: "小数", bool: "是/否", str: "文本"}
INTERVALS = (Interval.MINUTE, Interval.DAILY)


def _text(value: object) -> str:
    """A value as one types it: 100000 rather than 100000.0, never an exponent."""
    if isinstance(value, float):
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return str(value)


class ParameterEditor(QtWidgets.QDialog):
    """Adding a strategy (`sources` given: where its defaults may come from) or editing one."""

    def __init__(self, parameters: dict, title: str, sources: list[tuple[str, dict]] | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.parameters = parameters
        self.sources = sources or []
        self.edits: dict[str, tuple[QtWidgets.QWidget, type]] = {}
        form = QtWidgets.QFormLayout()
        if self.sources:
            self.name_edit = QtWidgets.QLineEdit()
            self.symbol_edit = QtWidgets.QLineEdit()
            self.symbol_edit.setPlaceholderText("000001.SZSE / BTCUSDT.GLOBAL")
            self.interval_combo = QtWidgets.QComboBox()
            for interval in INTERVALS:
                self.interval_combo.addItem(interval_words(interval), interval.value)
            self.interval_combo.setToolTip(tr("与回测所用K线一致：日线策略用日线预热，收盘后收到当日K线"))
            self.source_combo = QtWidgets.QComboBox()
            self.source_combo.addItems([label for label, _ in self.sources])
            self.source_combo.currentIndexChanged.connect(self.use_source)
            self.source_note = QtWidgets.QLabel()
            form.addRow(tr("策略名称"), self.name_edit)
            form.addRow(tr("代码"), self.symbol_edit)
            form.addRow(tr("K线周期"), self.interval_combo)
            form.addRow(tr("参数来源"), self.source_combo)
            form.addRow("", self.source_note)
        for name, value in parameters.items():
            kind = type(value)
            if kind is bool:
                edit: QtWidgets.QWidget = QtWidgets.QCheckBox()
                edit.setChecked(value)
            else:
                edit = QtWidgets.QLineEdit(_text(value))
            form.addRow(tr("{name}（{kind}）", name=name, kind=tr(TYPE_WORDS.get(kind, "文本"))), edit)
            self.edits[name] = (edit, kind)
        self.problem_label = QtWidgets.QLabel()
        self.problem_label.setStyleSheet("color: #b42318;")
        form.addRow(self.problem_label)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(tr("添加") if self.sources else tr("确定"))
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setLayout(form)
        if self.sources:
            self.source_combo.setCurrentIndex(len(self.sources) - 1 if len(self.sources) > 1 else 0)
            self.use_source(self.source_combo.currentIndex())

    def use_source(self, index: int) -> None:
        label, values = self.sources[index]
        for name, value in values.items():
            if name in self.edits:
                edit, kind = self.edits[name]
                if kind is bool:
                    edit.setChecked(bool(value))
                else:
                    edit.setText(_text(value))
        self.source_note.setText(tr("参数取自：{source}", source=label))

    def setting(self) -> tuple[dict | None, str]:
        """The typed setting, or why it cannot be used."""
        setting: dict = {}
        for name, (edit, kind) in self.edits.items():
            if kind is bool:
                setting[name] = edit.isChecked()
                continue
            text = edit.text().strip()
            try:
                setting[name] = kind(text) if kind in (int, float) else text
            except ValueError:
                return None, tr("参数{name}应为{kind}，收到“{value}”", name=name, kind=tr(TYPE_WORDS[kind]), value=text)
        if self.sources:
            if not self.name_edit.text().strip():
                return None, tr("请填写策略名称")
            if "." not in self.symbol_edit.text().strip():
                return None, tr("代码须带交易所后缀，例如 000001.SZSE")
            setting[BAR_INTERVAL] = self.interval_combo.currentData()
        return setting, ""

    def accept(self) -> None:
        setting, problem = self.setting()
        if setting is None:
            self.problem_label.setText(problem)
            return
        super().accept()


class StrategyManager(VnpyStrategyManager):
    def edit_strategy(self) -> None:
        name = self._data["strategy_name"]
        editor = ParameterEditor(self.cta_engine.get_strategy_parameters(name), tr("参数编辑：{name}", name=name),
                                 parent=self)
        if editor.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.cta_engine.edit_strategy(name, editor.setting()[0])


class CtaManager(VnpyCtaManager):
    def add_strategy(self) -> None:
        class_name = self.class_combo.currentText()
        if not class_name:
            return
        editor = self.editor(class_name)
        if editor.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            setting, _ = editor.setting()
            self.cta_engine.add_strategy(class_name, editor.name_edit.text().strip(),
                                         editor.symbol_edit.text().strip(), setting)

    def editor(self, class_name: str) -> ParameterEditor:
        sources = self.cta_engine.setting_sources(class_name)
        return ParameterEditor(sources[0][1], tr("添加策略：{name}", name=class_name), sources, parent=self)

    def process_strategy_event(self, event) -> None:
        """vnpy's, with this module's StrategyManager (its parameter dialog) for new strategies."""
        data = event.data
        if data["strategy_name"] not in self.managers:
            manager = StrategyManager(self, self.cta_engine, data)
            self.scroll_layout.insertWidget(0, manager)
            self.managers[data["strategy_name"]] = manager
            self.update_strategy_combo()
            return
        super().process_strategy_event(event)
