"""Risk dock: the rules with their live usage and an editor that validates before saving, the
circuit breaker with its reason and a reset that asks first, equity and drawdown, and the
refusals as they happen. A thin view: it reads the engine on a timer and writes through `apply`."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets
from vnpy.event import EventEngine
from vnpy.trader.engine import MainEngine

from lianghua_app import formatting
from lianghua_app.formatting import money
from lianghua_app.i18n import tr
from lianghua_app.ui.rule_table import RuleColumn, RuleTable
from lianghua_app.ui.tables import RecordTable

from .config import RECOMMENDED
from .engine import APP_NAME, RiskEngine
from .rules import RULES

ENABLED, PARAMS = 2, 3        # the rule table's switch and parameter columns


def _usage_bar(_name: str) -> QtWidgets.QProgressBar:
    bar = QtWidgets.QProgressBar()
    bar.setRange(0, 1000)
    bar.setFormat("-")
    return bar


class RiskWidget(QtWidgets.QWidget):
    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.engine: RiskEngine = main_engine.get_engine(APP_NAME)
        self.message_box: QtWidgets.QMessageBox | None = None
        self.shown_rejections: object = None
        self._build()
        self.load_config()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(500)
        self.refresh()

    # --- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.breaker_label = QtWidgets.QLabel()
        self.breaker_label.setWordWrap(True)
        self.reset_button = QtWidgets.QPushButton(tr("复位熔断…"))
        self.reset_button.clicked.connect(self.ask_reset)
        self.equity_table = RecordTable([tr(h) for h in ("账户", "权益", "日初权益", "当日盈亏", "权益高点", "回撤%")])
        self.rules_table = RuleTable(RULES, (
            RuleColumn("分组", "text", lambda rule: tr(rule.group)),
            RuleColumn("规则", "text", lambda rule: tr(rule.label)),
            RuleColumn("启用", "check", section="enabled"), RuleColumn("参数（JSON）", "params"),
            RuleColumn("仅限开仓", "text", lambda rule: tr("是") if rule.opening_only else ""),
            RuleColumn("使用情况", "widget", widget=_usage_bar)))
        self.bars: dict[str, QtWidgets.QProgressBar] = self.rules_table.widgets
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        buttons = QtWidgets.QHBoxLayout()
        for text, slot in (("保存", self.save), ("撤销修改", self.load_config), ("推荐设置", self.recommend),
                           ("导入行业CSV…", self.import_sectors)):
            button = QtWidgets.QPushButton(tr(text))
            button.clicked.connect(slot)
            buttons.addWidget(button)
        self.rejections_table = RecordTable([tr(h) for h in ("时间", "规则", "代码", "原因")])
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.breaker_label, 1)
        top.addWidget(self.reset_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.equity_table, 1)
        layout.addWidget(self.rules_table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(QtWidgets.QLabel(tr("风控拒单")))
        layout.addWidget(self.rejections_table, 2)

    # --- the editor ------------------------------------------------------------------------------
    def load_config(self) -> None:
        config = self.engine.config
        self.rules_table.show_config({"enabled": config.enabled}, config.params)
        self.status.setText("")

    def recommend(self) -> None:
        self.rules_table.switch_only("enabled", RECOMMENDED)
        self.status.setText(tr("已勾选推荐规则，核对参数后点击保存生效"))

    def edited(self) -> tuple[dict, list[str]]:
        """The configuration as the table shows it, or what cannot be read."""
        raw = self.engine.config.to_dict()
        switches, raw["params"], errors = self.rules_table.read()
        raw["enabled"] = switches["enabled"]
        return raw, errors

    def save(self) -> list[str]:
        raw, errors = self.edited()
        errors = errors or self.engine.apply(raw)
        if errors:
            text = tr("配置有误，未保存，原配置继续生效：\n{errors}", errors="\n".join(errors))
            self.status.setText(text)
            self._tell(QtWidgets.QMessageBox.Icon.Warning, text)
        else:
            self.status.setText(tr("已保存，立即生效"))
        return errors

    def import_sectors(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, tr("导入行业CSV"), "", "CSV (*.csv)")
        if path:
            error = self.engine.load_sectors(Path(path))
            self.status.setText(error or tr("行业分类已导入"))

    # --- the breaker ---------------------------------------------------------------------------------
    def ask_reset(self) -> None:
        trips = self.engine.trips()
        if not trips:
            return
        reasons = "\n".join(trip.reason for trip in trips)
        self.message_box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Question, tr("复位熔断"),
            tr("熔断原因：\n{reasons}\n\n复位后将恢复开仓。确认风险已经处理？", reasons=reasons),
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No, self)
        self.message_box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.No)
        self.message_box.finished.connect(self._reset_answered)
        self.message_box.open()

    def _reset_answered(self, answer: int) -> None:
        if answer == QtWidgets.QMessageBox.StandardButton.Yes:
            self.engine.reset_breaker()
            self.refresh()

    def _tell(self, icon: QtWidgets.QMessageBox.Icon, text: str) -> None:
        self.message_box = QtWidgets.QMessageBox(icon, tr("风控"), text, QtWidgets.QMessageBox.StandardButton.Ok, self)
        self.message_box.open()

    # --- live figures ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        trips = self.engine.trips()
        if trips:
            reasons = "；".join(f"{t.reason}（{t.time[11:]}）" for t in trips)
            self.breaker_label.setText(tr("熔断中：") + reasons)
            self.breaker_label.setStyleSheet("color: white; background: #c0392b; padding: 4px;")
        else:
            self.breaker_label.setText(tr("熔断：正常"))
            self.breaker_label.setStyleSheet("color: #1e8449; padding: 4px;")
        self.reset_button.setEnabled(bool(trips))
        self.equity_table.set_rows([(f["account"], money(f["equity"]), money(f["start"]), money(f["day_pnl"]),
                                     money(f["peak"]), f"{f['drawdown']:.2f}") for f in self.engine.figures()])
        usage = self.engine.usage()
        for name, bar in self.bars.items():
            value, limit = usage.get(name, (0, 0))
            bar.setValue(int(min(value / limit, 1) * 1000) if limit else 0)
            bar.setFormat(f"{formatting.compact(value)}/{formatting.compact(limit)}" if name in usage else "-")
        latest = self.engine.rejections[0] if self.engine.rejections else None
        if latest is not self.shown_rejections:
            self.shown_rejections = latest
            self.rejections_table.set_rows([(formatting.clock(r.time), tr(RULES[r.rule].label) if r.rule in RULES
                                             else r.rule, r.vt_symbol, r.reason)
                                            for r in list(self.engine.rejections)[:200]])
