"""组合 dock: the attribution table (by strategy, symbol, gateway or account; cumulative or per
day) with drill-down to the trades and each account's equity check; the accounts in one currency
with their equity curve; the allocation (method and its one-line explanation, weights as bars,
target against actual, each strategy's PnL curve), the rebalance plan with 确认/放弃 and the plan
history; CSV export. A thin view: engine methods in, engine events through Qt signals."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Offset
from vnpy.trader.engine import MainEngine

from lianghua_app import formatting
from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, exchange_of
from lianghua_app.ui.axes import DateAxis, NumberAxis
from lianghua_app.ui.tables import RecordTable

from .allocation import METHODS, AllocationError
from .engine import APP_NAME, EVENT_PORTFOLIO, EVENT_PORTFOLIO_PLAN, PortfolioEngine, Proposal
from .records import equity
from .report import GROUPS, Report, to_csv

PART_HEADERS = ("交易盈亏", "持仓盈亏", "手续费", "税费", "资金费", "合计")
PLAN_HEADERS = ("策略", "代码", "当前权重", "目标权重", "目标资金", "目标数量", "新预算", "委托", "说明")
STATUS_WORDS = {"proposed": "待确认", "applied": "已应用", "discarded": "已放弃"}
METHOD_WORDS = {"equal": "等权", "target_vol": "目标波动", "risk_budget": "风险预算", "kelly": "分数凯利",
                "ucb1": "UCB1", "thompson": "Thompson"}
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _weight(fraction: float) -> str:
    return formatting.percent(fraction * 100, signed=False)


def _day_stamp(day) -> float:
    return datetime.combine(day, time(15), CHINA_TZ).timestamp()


def _order_words(line) -> str:
    """买入 300 for a stock; 开多/平多/... for a perpetual (closing when it shrinks the position)."""
    direction, volume = line.order
    exchange = exchange_of(line.slot.vt_symbol)
    closing = abs(line.quantity) < abs(line.slot.position)
    words = formatting.side_words(exchange, direction, Offset.CLOSE if closing else Offset.OPEN)
    return f"{words} {formatting.quantity(volume)}"


def _draw_days(chart: pg.PlotWidget, days: list, values: list[float], **style) -> None:
    """A day-by-day line with its points marked; one day alone gets a day either side."""
    stamps = [_day_stamp(d) for d in days]
    chart.plot(stamps, values, symbol="o", symbolSize=5, **style)
    if len(stamps) == 1:
        chart.setXRange(stamps[0] - 86400, stamps[0] + 86400)


class TradesDialog(QtWidgets.QDialog):
    """The fills behind one attribution line."""

    def __init__(self, parent: QtWidgets.QWidget, title: str, fills) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.table = RecordTable([tr(h) for h in ("时间", "成交号", "代码", "策略", "数量", "价格", "手续费", "税费",
                                                  "接口")])
        self.table.set_rows([(formatting.second(f.time), f.vt_tradeid, f.vt_symbol, f.strategy or tr("手动"),
                              formatting.quantity(f.qty), formatting.price(f.price), formatting.money(f.commission),
                              formatting.money(f.tax), f.gateway) for f in fills])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel(tr("共{count}笔成交", count=len(fills))))
        layout.addWidget(self.table)
        self.resize(900, 420)


class PortfolioWidget(QtWidgets.QWidget):
    report_signal = QtCore.Signal(Event)
    plan_signal = QtCore.Signal(Event)

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.main_engine = main_engine
        self.engine: PortfolioEngine = main_engine.get_engine(APP_NAME)
        self._build()
        self.report_signal.connect(self.on_report)
        self.plan_signal.connect(self.on_plan)
        event_engine.register(EVENT_PORTFOLIO, self.report_signal.emit)
        event_engine.register(EVENT_PORTFOLIO_PLAN, self.plan_signal.emit)
        self.show_plan(self.engine.proposal)
        self.show_history()
        self.show_accounts()

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.refresh_button = QtWidgets.QPushButton(tr("刷新归因"))
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QtWidgets.QPushButton(tr("导出CSV…"))
        self.export_button.clicked.connect(self.export)
        self.status = QtWidgets.QLabel(tr("点击“刷新归因”从交易日志计算盈亏来源"))
        self.status.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        for widget in (self.refresh_button, self.export_button):
            top.addWidget(widget)
        top.addWidget(self.status, 1)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self._attribution_tab(), tr("盈亏归因"))
        self.tabs.addTab(self._accounts_tab(), tr("账户"))
        self.tabs.addTab(self._allocation_tab(), tr("资金分配"))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)

    def _attribution_tab(self) -> QtWidgets.QWidget:
        self.group_combo = QtWidgets.QComboBox()
        for key, words in GROUPS.items():
            self.group_combo.addItem(tr(words), key)
        self.daily_check = QtWidgets.QCheckBox(tr("逐日"))
        for signal in (self.group_combo.currentIndexChanged, self.daily_check.toggled):
            signal.connect(self.show_lines)
        bar = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(tr("按")), self.group_combo, self.daily_check):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.lines_table = RecordTable([])
        self.lines_table.itemDoubleClicked.connect(self.drill)
        self.checks_table = RecordTable([tr(h) for h in ("账户", "从", "到", "权益变化", "归因合计", "残差", "币种")])
        self.notes = QtWidgets.QLabel()
        self.notes.setWordWrap(True)
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.lines_table, 3)
        layout.addWidget(QtWidgets.QLabel(tr("账户核对（权益变化 = 各项归因之和 + 残差；"
                                             "残差多为出入金或日志外的成交）")))
        layout.addWidget(self.checks_table, 1)
        layout.addWidget(self.notes)
        return page

    def _accounts_tab(self) -> QtWidgets.QWidget:
        self.accounts_table = RecordTable([tr(h) for h in ("账户", "币种", "权益", "折合")])
        self.total_label = QtWidgets.QLabel()
        self.equity_chart = pg.PlotWidget(title=tr("合并权益"), axisItems={
            "bottom": DateAxis(), "left": NumberAxis()})
        self.equity_chart.setBackground("w")
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(self.total_label)
        layout.addWidget(self.accounts_table, 1)
        layout.addWidget(self.equity_chart, 2)
        return page

    def _allocation_tab(self) -> QtWidgets.QWidget:
        self.method_combo = QtWidgets.QComboBox()
        for key in METHODS:
            self.method_combo.addItem(tr(METHOD_WORDS[key]), key)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(self.engine.config["method"])))
        self.method_combo.currentIndexChanged.connect(self.explain)
        self.explanation = QtWidgets.QLabel()
        self.explanation.setWordWrap(True)
        self.propose_button = QtWidgets.QPushButton(tr("生成调仓计划"))
        self.propose_button.clicked.connect(self.propose)
        self.evaluate_button = QtWidgets.QPushButton(tr("回放评估"))
        self.evaluate_button.clicked.connect(self.evaluate)
        bar = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(tr("方法")), self.method_combo, self.propose_button, self.evaluate_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.weights_chart = pg.PlotWidget(title=tr("权重：当前（灰）与目标（蓝）"), axisItems={"left": NumberAxis()})
        self.weights_chart.setBackground("w")
        self.curves_chart = pg.PlotWidget(title=tr("各策略累计盈亏"), axisItems={
            "bottom": DateAxis(), "left": NumberAxis()})
        self.curves_chart.setBackground("w")
        self.curves_chart.addLegend()
        charts = QtWidgets.QHBoxLayout()
        charts.addWidget(self.weights_chart)
        charts.addWidget(self.curves_chart)
        self.plan_label = QtWidgets.QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_table = RecordTable([tr(h) for h in PLAN_HEADERS])
        self.confirm_button = QtWidgets.QPushButton(tr("确认并应用"))
        self.confirm_button.clicked.connect(self.confirm)
        self.discard_button = QtWidgets.QPushButton(tr("放弃"))
        self.discard_button.clicked.connect(self.discard)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        self.history_table = RecordTable([tr(h) for h in ("编号", "生成时间", "方法", "状态", "确认人", "结果")])
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(self.explanation)
        layout.addLayout(charts, 2)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.plan_table, 2)
        layout.addLayout(buttons)
        layout.addWidget(QtWidgets.QLabel(tr("计划记录")))
        layout.addWidget(self.history_table, 1)
        self.explain()
        return page

    # --- attribution ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.engine.refresh_async():
            self.refresh_button.setEnabled(False)
            self.status.setText(tr("正在从交易日志计算盈亏归因…"))
        self.show_accounts()

    def on_report(self, event: Event) -> None:
        self.refresh_button.setEnabled(True)
        report: Report = event.data
        self.status.setText(tr("归因于{when}：{rows}行，{fills}笔成交，金额折合{base}（USDT/CNY {rate}）",
                               when=formatting.clock(datetime.now(CHINA_TZ)), rows=len(report.rows),
                               fills=report.fill_count, base=report.base, rate=formatting.number(report.usdt_cny, 4)))
        self.show_lines()
        self.checks_table.set_rows([(c.account, c.start.isoformat(), c.end.isoformat(), formatting.money(c.change),
                                     formatting.money(c.explained), formatting.money(c.residual), c.currency)
                                    for c in report.checks])
        notes = [] if report.checks else [tr("账户核对需要至少两天的权益记录（程序运行时每分钟记录一次）")]
        if report.estimated:
            notes.append(tr("以下收盘价缺失，按当日最后成交价估算：{items}",
                            items="、".join(f"{s} {d}" for s, d in report.estimated)))
        self.notes.setText("\n".join(notes))
        self.show_curves(report)

    def by(self) -> str:
        return self.group_combo.currentData()

    def show_lines(self) -> None:
        report = self.engine.report
        headers = [tr(GROUPS[self.by()]), tr("日期")] + [tr(h) for h in PART_HEADERS]
        self.lines_table.setColumnCount(len(headers))
        self.lines_table.setHorizontalHeaderLabels(headers)
        if report is None:
            self.lines_table.set_rows([])
            return
        lines = report.lines(self.by(), self.daily_check.isChecked())
        self.lines_table.set_rows([[line.key, line.day.isoformat() if line.day else tr("累计")]
                                   + [formatting.money(v) for v in line.parts.values()] + [formatting.money(line.total)]
                                   for line in lines], lines)

    def drill(self, item: QtWidgets.QTableWidgetItem) -> None:
        line = self.lines_table.record(item.row())
        fills = self.engine.trades(self.by(), line.key, line.day)
        TradesDialog(self, tr("{key} 的成交", key=line.key), fills).exec()

    def export(self) -> None:
        if self.engine.report is None:
            QtWidgets.QMessageBox.information(self, tr("导出"), tr("请先刷新归因"))
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, tr("导出归因"), "attribution.csv", "CSV (*.csv)")
        if path:
            self.write_csv(path)

    def write_csv(self, path: str) -> None:
        try:
            with open(path, "w", encoding="utf-8-sig", newline="") as out:
                out.write(to_csv(self.engine.report, self.by(), self.daily_check.isChecked()))
        except OSError as error:
            QtWidgets.QMessageBox.warning(self, tr("导出"), tr("无法写入{path}：{error}", path=path, error=error))
            return
        self.status.setText(tr("已导出到{path}", path=path))

    # --- accounts ---------------------------------------------------------------------------------------
    def show_accounts(self) -> None:
        lines = self.engine.accounts()
        base = self.engine.config["base_currency"]
        self.accounts_table.set_rows([(a.account, a.currency, formatting.money(a.balance),
                                       f"{formatting.money(a.in_base)} {base}") for a in lines])
        self.total_label.setText(tr("合计权益：{total} {base}（USDT/CNY {rate}）", total=formatting.money(
            sum(a.in_base for a in lines)), base=base, rate=formatting.number(self.engine.usdt_cny(), 4)))
        totals: dict = {}
        for day, _, currency, balance in equity():
            totals[day] = totals.get(day, 0.0) + self.engine.to_base(balance, currency)
        self.equity_chart.clear()
        if totals:
            days = sorted(totals)
            _draw_days(self.equity_chart, days, [totals[d] for d in days], pen=pg.mkPen("#1f77b4", width=2))

    # --- allocation ---------------------------------------------------------------------------------------
    def method(self) -> str:
        return self.method_combo.currentData()

    def explain(self) -> None:
        self.explanation.setText(self.engine.explain(self.method()))

    def propose(self) -> None:
        try:
            self.engine.propose(self.method())
        except (AllocationError, ValueError) as error:
            QtWidgets.QMessageBox.warning(self, tr("生成调仓计划"), str(error))

    def on_plan(self, event: Event) -> None:
        self.show_plan(event.data)
        self.show_history()

    def show_plan(self, proposal: Proposal | None) -> None:
        self.confirm_button.setEnabled(proposal is not None)
        self.discard_button.setEnabled(proposal is not None)
        self.weights_chart.clear()
        if proposal is None:
            self.plan_table.set_rows([])
            self.plan_label.setText(tr("没有待确认的计划。生成的计划只有在确认后才会改变各策略的资金预算"))
            return
        plan = proposal.plan
        rows = []
        for line in plan.lines:
            order = line.order
            rows.append((line.slot.strategy, line.slot.vt_symbol, _weight(line.weight_now), _weight(line.weight_target),
                         formatting.money(line.capital_target),
                         formatting.quantity(line.quantity), formatting.money(line.capital),
                         _order_words(line) if order else "",
                         line.note))
        self.plan_table.set_rows(rows, plan.lines)
        self.plan_label.setText(tr(
            "计划{plan}（{method}）：可分配{total} {base}，留作现金{cash}。确认后各策略的资金预算随之改变，"
            "按预算下单的策略据此调整仓位；不按预算的策略保持固定手数", plan=proposal.plan_id,
            method=tr(METHOD_WORDS[proposal.method]),
            total=formatting.money(plan.total), base=plan.base, cash=formatting.money(plan.cash)))
        positions = np.arange(len(plan.lines))
        self.weights_chart.addItem(pg.BarGraphItem(x=positions - 0.2, height=[ln.weight_now for ln in plan.lines],
                                                   width=0.4, brush="#b0b0b0"))
        self.weights_chart.addItem(pg.BarGraphItem(x=positions + 0.2, height=[ln.weight_target for ln in plan.lines],
                                                   width=0.4, brush="#1f77b4"))
        self.weights_chart.getAxis("bottom").setTicks([[(i, ln.slot.strategy) for i, ln in enumerate(plan.lines)]])

    def confirm(self) -> None:
        proposal = self.engine.proposal
        if proposal is None:
            return
        question = tr("应用计划{plan}？{count}个策略的资金预算将按计划改变", plan=proposal.plan_id,
                      count=len(proposal.plan.lines))
        answer = QtWidgets.QMessageBox.question(self, tr("确认调仓计划"), question)
        if answer != QtWidgets.QMessageBox.StandardButton.Yes:
            return
        try:
            self.status.setText(self.engine.confirm(proposal.plan_id))
        except (PermissionError, ValueError) as error:
            QtWidgets.QMessageBox.warning(self, tr("确认调仓计划"), str(error))

    def discard(self) -> None:
        if self.engine.proposal is not None:
            self.engine.discard(self.engine.proposal.plan_id)

    def show_history(self) -> None:
        self.history_table.set_rows([(p.id, formatting.minute(p.created), tr(METHOD_WORDS.get(p.method, p.method)),
                                      tr(STATUS_WORDS[p.status]),
                                      p.who, p.result) for p in self.engine.plan_history()])

    def show_curves(self, report: Report) -> None:
        self.curves_chart.clear()
        for index, (strategy, points) in enumerate(sorted(report.curves().items())):
            colour = COLOURS[index % len(COLOURS)]
            _draw_days(self.curves_chart, [d for d, _ in points], [v for _, v in points], name=strategy,
                       pen=pg.mkPen(colour, width=2), symbolBrush=colour)

    def evaluate(self) -> None:
        try:
            result = self.engine.evaluate(self.method())
        except (AllocationError, ValueError) as error:
            QtWidgets.QMessageBox.warning(self, tr("回放评估"), str(error))
            return
        words = []
        for key in ("method", "equal"):
            e = result[key]
            words.append(tr("{name}：年化收益{ret}，年化波动{vol}，最大回撤{dd}，年换手{turn}", name=e.method,
                            ret=formatting.percent(e.annual_return * 100),
                            vol=formatting.percent(e.annual_volatility * 100, signed=False),
                            dd=formatting.percent(e.max_drawdown * 100), turn=formatting.number(e.turnover)))
        QtWidgets.QMessageBox.information(self, tr("回放评估"), "\n".join(words))
