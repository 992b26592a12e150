"""热门 dock: the ranked candidates with each term's contribution, tags and safe leverage; the
score history of the selected symbol; 批准 (gateways, expiry, note) and 撤销; the approvals in
force. A thin view: it reads the engine through its methods, and the engine's events reach it
through Qt signals."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from vnpy.event import Event, EventEngine
from vnpy.trader.engine import MainEngine

from lianghua_app import formatting
from lianghua_app.i18n import tr
from lianghua_app.ui.axes import DateAxis, NumberAxis
from lianghua_app.ui.tables import RecordTable

from .engine import APP_NAME, EVENT_HOTLIST, EVENT_HOTLIST_APPROVALS, EVENT_HOTLIST_PROGRESS, HotlistEngine
from .ranking import Ranking

TERM_WORDS = {"vol_jump": "量能跃升", "turnover": "成交额", "oi_delta": "持仓变化", "funding_z": "资金费偏离",
              "regime_shift": "波动切换", "volume_ratio": "量比", "move": "涨幅", "limit_up_proximity": "近涨停",
              "sector_strength": "板块强度"}
MARKET_WORDS = (("crypto", "加密永续"), ("ashare", "A股"))


class ApproveDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget, vt_symbol: str, gateways: list[str], chosen: list[str],
                 hours: float) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("批准 {symbol}", symbol=vt_symbol))
        form = QtWidgets.QFormLayout(self)
        self.checks = {}
        box = QtWidgets.QHBoxLayout()
        for name in gateways:
            check = QtWidgets.QCheckBox(name)
            check.setChecked(name in chosen)
            self.checks[name] = check
            box.addWidget(check)
        form.addRow(tr("允许交易的接口"), box)
        self.hours = QtWidgets.QDoubleSpinBox()
        self.hours.setRange(0.5, 24 * 30)
        self.hours.setValue(hours)
        self.hours.setSuffix(tr(" 小时"))
        form.addRow(tr("有效期"), self.hours)
        self.note = QtWidgets.QLineEdit()
        form.addRow(tr("备注"), self.note)
        warning = QtWidgets.QLabel(tr("批准后，所选接口只允许交易已批准的代码（风控白名单）"))
        warning.setWordWrap(True)
        form.addRow(warning)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok |
                                             QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def gateways(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.isChecked()]


class HotlistWidget(QtWidgets.QWidget):
    ranking_signal = QtCore.Signal(Event)
    progress_signal = QtCore.Signal(Event)
    approvals_signal = QtCore.Signal(Event)

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.main_engine = main_engine
        self.engine: HotlistEngine = main_engine.get_engine(APP_NAME)
        self._build()
        for signal, kind, slot in ((self.ranking_signal, EVENT_HOTLIST, self.on_ranking),
                                   (self.progress_signal, EVENT_HOTLIST_PROGRESS, self.on_progress),
                                   (self.approvals_signal, EVENT_HOTLIST_APPROVALS, self.show_approvals)):
            signal.connect(slot)
            event_engine.register(kind, signal.emit)
        self.show_market()
        self.show_approvals()

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.market_combo = QtWidgets.QComboBox()
        for key, words in MARKET_WORDS:
            self.market_combo.addItem(tr(words), key)
        self.market_combo.currentIndexChanged.connect(self.show_market)
        self.scan_button = QtWidgets.QPushButton(tr("立即扫描"))
        self.scan_button.clicked.connect(self.scan)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 3)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(tr("市场")), self.market_combo, self.scan_button, self.progress):
            top.addWidget(widget)
        self.table = RecordTable([])
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self.show_history)
        self.chart = pg.PlotWidget(title=tr("评分历史"), axisItems={
            "bottom": DateAxis(), "left": NumberAxis()})
        self.chart.setMinimumHeight(140)
        self.chart.setBackground("w")
        self.approve_button = QtWidgets.QPushButton(tr("批准…"))
        self.approve_button.clicked.connect(self.approve)
        self.revoke_button = QtWidgets.QPushButton(tr("撤销"))
        self.revoke_button.clicked.connect(self.revoke)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        self.approvals_table = RecordTable([tr(h) for h in ("代码", "接口", "批准人", "批准时间", "到期", "备注")])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.chart, 1)
        layout.addLayout(buttons)
        layout.addWidget(QtWidgets.QLabel(tr("生效的审批")))
        layout.addWidget(self.approvals_table, 1)

    def market(self) -> str:
        return self.market_combo.currentData()

    # --- the ranking -------------------------------------------------------------------------------
    def scan(self) -> None:
        if self.engine.scan_async(self.market()):
            self.scan_button.setEnabled(False)

    def on_progress(self, event: Event) -> None:
        progress = event.data
        if progress.market != self.market():
            return
        self.progress.setValue(progress.done)
        self.progress.setFormat(progress.label)
        if progress.done >= progress.total:
            self.scan_button.setEnabled(True)

    def on_ranking(self, event: Event) -> None:
        if event.data.market == self.market():
            self.show_ranking(event.data)

    def show_market(self, _index: int = 0) -> None:
        ranking = self.engine.rankings.get(self.market())
        self.show_ranking(ranking or Ranking(self.market(), None,
                                             message=tr("尚未扫描：点击“立即扫描”，或等待定时扫描")))

    def show_ranking(self, ranking: Ranking) -> None:
        terms = list(self.engine.config.market(ranking.market)["weights"])
        weights = self.engine.config.market(ranking.market)["weights"]
        headers = [tr("排名"), tr("代码"), tr("名称"), tr("得分")] + [tr(TERM_WORDS[t]) for t in terms] + \
            [tr("标签"), tr("安全杠杆"), tr("审批")]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        approvals = self.engine.current_approvals()
        rows = []
        for place, c in enumerate(ranking.top, start=1):
            approval = approvals.get(c.vt_symbol)
            rows.append([place, c.vt_symbol, c.name, formatting.number(c.score)] +
                        [formatting.number(weights[t] * c.z[t]) for t in terms] +
                        ["、".join(c.tags), f"{c.safe_leverage}x" if c.safe_leverage else "",
                         tr("已批准至{time}", time=formatting.minute(approval.expires)) if approval else ""])
        self.table.set_rows(rows, ranking.top)
        header = self.table.horizontalHeader()
        for column in (1, 2, len(headers) - 3, len(headers) - 1):
            header.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        for row, candidate in enumerate(ranking.top):
            for column, term in enumerate(terms, start=4):
                self.table.item(row, column).setToolTip(
                    tr("原始值 {raw}，标准分 {z}，权重 {weight}", raw=formatting.compact(candidate.terms[term]),
                       z=formatting.number(candidate.z[term]), weight=formatting.number(weights[term])))
        when = formatting.minute(ranking.time) if ranking.time else tr("无")
        self.status.setText(ranking.message or tr(
            "扫描于{when}：{universe}个代码，{eligible}个通过过滤，列出前{count}个（每项为 权重×标准分，悬停看原始值）",
            when=when, universe=ranking.universe, eligible=ranking.eligible, count=len(ranking.top)))

    def selected(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.table.record(rows[0].row()) if rows else None

    def show_history(self) -> None:
        candidate = self.selected()
        self.chart.clear()
        if candidate is None:
            return
        points = self.engine.score_history(self.market(), candidate.vt_symbol)
        if points:
            self.chart.plot([p[0].timestamp() for p in points], [p[1] for p in points],
                            pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=5)
        self.chart.setTitle(tr("{symbol} 评分历史", symbol=candidate.vt_symbol))

    # --- approvals ---------------------------------------------------------------------------------
    def approve(self) -> None:
        candidate = self.selected()
        if candidate is None:
            QtWidgets.QMessageBox.information(self, tr("批准"), tr("请先在列表中选中一个代码"))
            return
        contract = self.main_engine.get_contract(candidate.vt_symbol)
        dialog = ApproveDialog(self, candidate.vt_symbol, self.main_engine.get_all_gateway_names(),
                               [contract.gateway_name] if contract else [], self.engine.config.raw["approval_hours"])
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        errors = self.engine.approve(candidate.vt_symbol, dialog.gateways(), dialog.hours.value(), dialog.note.text())
        if errors:
            QtWidgets.QMessageBox.warning(self, tr("未批准"), "\n".join(errors))

    def revoke(self) -> None:
        rows = self.approvals_table.selectionModel().selectedRows() if self.approvals_table.selectionModel() else []
        candidate = self.selected()
        symbol = self.approvals_table.record(rows[0].row()) if rows else candidate.vt_symbol if candidate else None
        if not symbol:
            QtWidgets.QMessageBox.information(self, tr("撤销"), tr("请先选中要撤销的审批"))
            return
        errors = self.engine.revoke(symbol)
        if errors:
            QtWidgets.QMessageBox.warning(self, tr("撤销"), "\n".join(errors))

    def show_approvals(self, _event: Event | None = None) -> None:
        approvals = sorted(self.engine.current_approvals().items())
        self.approvals_table.set_rows([[s, "、".join(d.gateways), d.who, formatting.minute(d.at),
                                        formatting.minute(d.expires), d.note] for s, d in approvals],
                                      [s for s, _ in approvals])
        current = self.engine.rankings.get(self.market())
        if current is not None:
            self.show_ranking(current)
