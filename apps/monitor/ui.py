"""The monitor dock: rankings, the limit boards, sectors and their rotation, watchlists, the
alert list and the rule editor. A timer redraws the visible tables twice a second from the
engine's latest state; alerts arrive through a Qt signal. A double-click on any symbol opens it
in the trading panel."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from vnpy.event import Event, EventEngine
from vnpy.trader.engine import MainEngine

from lianghua_app.events import EVENT_MONITOR_ALERTS, EVENT_OPEN_SYMBOL
from lianghua_app.i18n import tr
from lianghua_app.ui.rule_table import RuleColumn, RuleTable
from lianghua_app.ui.tables import RecordTable

from .alerts import Alert
from .boards import LimitEntry, Quote
from .config import RULES
from .engine import APP_NAME, MonitorEngine
from .watch_panel import WatchPanel

QUOTE_HEADERS = ("代码", "名称", "现价", "涨跌幅%", "成交量", "成交额")
LIMIT_HEADERS = ("代码", "名称", "现价", "涨跌幅%", "首次封板", "最后封板", "封单量", "封单额", "开板次数", "状态")
SECTOR_HEADERS = ("板块", "类型", "成员", "平均涨跌幅%", "上涨", "下跌", "成交额", "领涨", "领涨涨幅%")
ALERT_HEADERS = ("时间", "代码", "名称", "规则", "数值", "说明")
ENABLED, PUSH, PARAMS = 1, 2, 3      # the rule table's switch and parameter columns
REFRESH_MS = 500
MAX_ALERT_ROWS = 2000


def _quote_row(q: Quote) -> tuple:
    return (q.vt_symbol, q.name, f"{q.last:.2f}", f"{q.change:+.2f}", f"{q.volume:,.0f}", f"{q.turnover:,.0f}")


def _clock(moment) -> str:
    return f"{moment:%H:%M:%S}" if moment else ""


def _limit_row(e: LimitEntry) -> tuple:
    return (*_quote_row(e.quote)[:4], _clock(e.first_seal), _clock(e.last_seal), f"{e.seal_volume:,.0f}",
            f"{e.seal_amount:,.0f}", e.breaks, tr("封板") if e.sealed else tr("开板"))


class SymbolTable(RecordTable):
    """A record table whose first column is a vt_symbol; double-click opens it for trading. Rows
    stay in the engine's order (rank, seal time, strength)."""

    def __init__(self, headers: tuple[str, ...], event_engine: EventEngine) -> None:
        super().__init__([tr(h) for h in headers], sortable=False)
        self.event_engine = event_engine
        self.cellDoubleClicked.connect(self.open_symbol)

    def open_symbol(self, row: int, _column: int) -> None:
        vt_symbol = self.cell_text(row, 0)
        if vt_symbol:
            self.event_engine.put(Event(EVENT_OPEN_SYMBOL, vt_symbol))


class MonitorWidget(QtWidgets.QWidget):
    alerts_arrived = QtCore.Signal(list)

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.engine: MonitorEngine = main_engine.get_engine(APP_NAME)
        self.event_engine = event_engine
        self.tray: QtWidgets.QSystemTrayIcon | None = None
        self.message_box: QtWidgets.QMessageBox | None = None
        self._build()
        self.load_config()
        self._list_alerts(self.engine.alert_list())
        self.alerts_arrived.connect(self.show_alerts)
        event_engine.register(EVENT_MONITOR_ALERTS, self._on_alert_event)
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.refresh()

    def _on_alert_event(self, event: Event) -> None:
        self.alerts_arrived.emit(event.data)

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        def table(headers: tuple[str, ...]) -> SymbolTable:
            return SymbolTable(headers, self.event_engine)

        self.summary = QtWidgets.QLabel()
        self.tabs = QtWidgets.QTabWidget()
        self.rankings = {key: table(QUOTE_HEADERS) for key in ("gainers", "losers", "volume", "turnover")}
        grid = QtWidgets.QWidget()
        grid_layout = QtWidgets.QGridLayout(grid)
        for i, (key, title) in enumerate((("gainers", "涨幅榜"), ("losers", "跌幅榜"), ("volume", "成交量榜"),
                                          ("turnover", "成交额榜"))):
            box = QtWidgets.QGroupBox(tr(title))
            QtWidgets.QVBoxLayout(box).addWidget(self.rankings[key])
            grid_layout.addWidget(box, i // 2, i % 2)
        self.tabs.addTab(grid, tr("排行"))
        self.limit_up, self.limit_down = table(LIMIT_HEADERS), table(LIMIT_HEADERS)
        self.tabs.addTab(self._stack((tr("涨停板"), self.limit_up), (tr("跌停板"), self.limit_down)), tr("涨跌停"))
        self.sectors = table(SECTOR_HEADERS)
        self.sectors.cellDoubleClicked.disconnect()
        self.rotation = RecordTable([tr("板块")], sortable=False)
        self.tabs.addTab(self._stack((tr("板块"), self.sectors), (tr("板块轮动（各时点排名）"), self.rotation)),
                         tr("板块"))
        self.watch_panel = WatchPanel(self.engine)
        self.tabs.addTab(self.watch_panel, tr("自选"))
        self.alert_table = table(ALERT_HEADERS)
        self.alert_table.cellDoubleClicked.disconnect()
        self.alert_table.cellDoubleClicked.connect(lambda row, _: self._open(self.alert_table.cell_text(row, 1)))
        self.tabs.addTab(self.alert_table, tr("预警"))
        self.tabs.addTab(self._rules_editor(), tr("规则"))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)

    @staticmethod
    def _stack(*parts: tuple[str, QtWidgets.QWidget]) -> QtWidgets.QWidget:
        holder = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(holder)
        for title, widget in parts:
            box = QtWidgets.QGroupBox(title)
            QtWidgets.QVBoxLayout(box).addWidget(widget)
            layout.addWidget(box)
        return holder

    def _rules_editor(self) -> QtWidgets.QWidget:
        self.rules_table = RuleTable(RULES, (
            RuleColumn("规则", "text", lambda rule: tr(rule.label)), RuleColumn("开启", "check", section="enabled"),
            RuleColumn("推送", "check", section="push"), RuleColumn("参数", "params"),
            RuleColumn("说明", "text", lambda rule: tr(rule.help))))
        self.cooldown = QtWidgets.QDoubleSpinBox()
        self.cooldown.setRange(0, 86_400)
        self.cooldown.setSuffix(tr(" 秒"))
        self.scope_edit = QtWidgets.QLineEdit()
        self.scope_edit.setPlaceholderText(tr("留空为全市场；或填自选股列表名称，逗号分隔"))
        self.sound = QtWidgets.QCheckBox(tr("声音"))
        self.tray_box = QtWidgets.QCheckBox(tr("托盘通知"))
        self.rules_status = QtWidgets.QLabel()
        self.rules_status.setWordWrap(True)
        save = QtWidgets.QPushButton(tr("保存"))
        save.clicked.connect(self.save)
        form = QtWidgets.QFormLayout()
        form.addRow(tr("同一股票同一规则的冷却时间"), self.cooldown)
        form.addRow(tr("监控范围"), self.scope_edit)
        options = QtWidgets.QHBoxLayout()
        for widget in (self.sound, self.tray_box, save):
            options.addWidget(widget)
        holder = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(holder)
        layout.addWidget(self.rules_table)
        layout.addLayout(form)
        layout.addLayout(options)
        layout.addWidget(self.rules_status)
        return holder

    # --- the rule editor -----------------------------------------------------------------------------
    def load_config(self) -> None:
        config = self.engine.config
        self.rules_table.show_config({"enabled": config.enabled, "push": config.push}, config.params)
        self.cooldown.setValue(config.cooldown_seconds)
        self.scope_edit.setText(", ".join(config.watchlists))
        self.sound.setChecked(config.sound)
        self.tray_box.setChecked(config.tray)

    def save(self) -> list[str]:
        scope = [w.strip() for w in self.scope_edit.text().replace("，", ",").split(",") if w.strip()]
        switches, params, errors = self.rules_table.read()
        raw: dict = {**switches, "params": params, "cooldown_seconds": self.cooldown.value(), "watchlists": scope,
                     "sound": self.sound.isChecked(), "tray": self.tray_box.isChecked()}
        errors = errors or self.engine.apply(raw)
        if errors:
            text = tr("配置有误，未保存，原配置继续生效：\n{errors}", errors="\n".join(errors))
            self.message_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, tr("盯盘"), text,
                                                     QtWidgets.QMessageBox.StandardButton.Ok, self)
            self.message_box.open()
        self.rules_status.setText(text if errors else tr("已保存，立即生效"))
        return errors

    # --- live updates ------------------------------------------------------------------------------------
    def _open(self, vt_symbol: str) -> None:
        if vt_symbol:
            self.event_engine.put(Event(EVENT_OPEN_SYMBOL, vt_symbol))

    def refresh(self) -> None:
        view = self.engine.view()
        moment = f"{view.time:%H:%M}" if view.time else "--:--"
        self.summary.setText(tr("{time}  监控{watched}只  上涨{up}  下跌{down}  涨停{limit_up}  跌停{limit_down}",
                                time=moment, watched=view.watched, up=view.advancers, down=view.decliners,
                                limit_up=sum(e.sealed for e in view.limit_up),
                                limit_down=sum(e.sealed for e in view.limit_down)))
        index = self.tabs.currentIndex()
        if index == 0:
            for key, table in self.rankings.items():
                table.set_rows([_quote_row(q) for q in view.rankings[key]])
        elif index == 1:
            self.limit_up.set_rows([_limit_row(e) for e in view.limit_up])
            self.limit_down.set_rows([_limit_row(e) for e in view.limit_down])
        elif index == 2:
            self.sectors.set_rows([(s.name, tr("自选") if s.custom else tr("行业"), s.members,
                                    f"{s.average_change:+.2f}", s.advancers, s.decliners, f"{s.turnover:,.0f}",
                                    s.leader.name if s.leader else "", f"{s.leader.change:+.2f}" if s.leader else "")
                                   for s in view.sectors])
            self._show_rotation()

    def _show_rotation(self) -> None:
        checkpoints, rows = self.engine.rotation_ranks()
        headers = [tr("板块")] + [f"{t:%H:%M}" for t in checkpoints] + [tr("涨跌幅变化")]
        if self.rotation.columnCount() != len(headers):
            self.rotation.setColumnCount(len(headers))
        self.rotation.setHorizontalHeaderLabels(headers)
        self.rotation.set_rows([(name, *ranks, f"{delta:+.2f}") for name, ranks, delta in rows])

    def _list_alerts(self, alerts: list[Alert]) -> None:
        for alert in alerts[-MAX_ALERT_ROWS:]:
            self.alert_table.insertRow(0)
            for column, value in enumerate((f"{alert.time:%H:%M:%S}", alert.vt_symbol, alert.name, tr(alert.label),
                                            f"{alert.value:,.2f}", alert.text)):
                self.alert_table.setItem(0, column, QtWidgets.QTableWidgetItem(value))
        self.alert_table.setRowCount(min(self.alert_table.rowCount(), MAX_ALERT_ROWS))

    def show_alerts(self, alerts: list[Alert]) -> None:
        """New alerts on top, with a beep and a tray message when the configuration asks."""
        self._list_alerts(alerts)
        config = self.engine.config
        if config.sound:
            QtWidgets.QApplication.beep()
        if config.tray and QtWidgets.QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QtWidgets.QSystemTrayIcon(self.windowIcon(), self)
                self.tray.show()
            latest = alerts[-1]
            more = tr("（另有{count}条）", count=len(alerts) - 1) if len(alerts) > 1 else ""
            self.tray.showMessage(tr("盯盘预警"), f"{latest.name} {tr(latest.label)}：{latest.text}{more}")

    def closeEvent(self, event) -> None:
        self.event_engine.unregister(EVENT_MONITOR_ALERTS, self._on_alert_event)
        super().closeEvent(event)
