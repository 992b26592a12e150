"""The workstation window: every panel and app is a QDockWidget the trader arranges."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from vnpy.event import Event
from vnpy.trader.constant import Status
from vnpy.trader.event import EVENT_ORDER

from .. import formatting
from ..engine import TradingEngine
from ..events import (
    EVENT_GATEWAY_STATUS,
    EVENT_OPEN_SYMBOL,
    EVENT_STRATEGY_FILES,
    EVENT_TRADING_HALT,
    GatewayStatus,
)
from ..formatting import describe_order
from ..i18n import tr
from ..settings import SettingsStore
from .connect_dialog import BinanceConnectDialog, EasytraderConnectDialog, QmtConnectDialog
from .help_dialog import AboutDialog, ReadmeDialog, open_folder
from .icons import icon
from .monitors import (
    ExplainedActiveOrderMonitor,
    ExplainedOrderMonitor,
    FillMonitor,
    FundsMonitor,
    HoldingMonitor,
    QuoteMonitor,
    ReadableLogMonitor,
)
from .settings_dialog import SettingsDialog
from .ticket import OrderTicket

LAYOUT_VERSION = 2          # the trading layout of 2026-12; older saved layouts are not restored
Area = QtCore.Qt.DockWidgetArea
Vertical, Horizontal = QtCore.Qt.Orientation.Vertical, QtCore.Qt.Orientation.Horizontal

PANELS = (
    ("trading", "交易", OrderTicket, Area.LeftDockWidgetArea),
    ("ticks", "行情", QuoteMonitor, Area.RightDockWidgetArea),
    ("orders", "委托", ExplainedOrderMonitor, Area.RightDockWidgetArea),
    ("active", "活动委托", ExplainedActiveOrderMonitor, Area.RightDockWidgetArea),
    ("trades", "成交", FillMonitor, Area.RightDockWidgetArea),
    ("positions", "持仓", HoldingMonitor, Area.RightDockWidgetArea),
    ("accounts", "资金", FundsMonitor, Area.RightDockWidgetArea),
    ("log", "日志", ReadableLogMonitor, Area.BottomDockWidgetArea),
)
REJECTIONS_SHOWN = 8
DIALOGS = {"QMT": QmtConnectDialog, "BINANCE": BinanceConnectDialog, "EASYTRADER": EasytraderConnectDialog}
GATEWAY_WORDS = {"BINANCE": "币安"}


class Panels(dict):
    """The window's panels by key. An app that asks for it (`panel_on_demand`) has its panel
    built when its dock is first shown or the panel is first asked for, which keeps its import
    and charts out of the time to the first window."""

    def __init__(self) -> None:
        super().__init__()
        self.factories: dict[str, Callable[[], QtWidgets.QWidget | None]] = {}

    def __missing__(self, key: str) -> QtWidgets.QWidget:
        widget = self.build(key)
        if widget is None:
            raise KeyError(key)
        return widget

    def build(self, key: str) -> QtWidgets.QWidget | None:
        factory = self.factories.pop(key, None)
        if factory is None:
            return self.get(key)
        widget = factory()
        if widget is not None:
            self[key] = widget
        return widget


class MainWindow(QtWidgets.QMainWindow):
    status_signal = QtCore.Signal(Event)
    strategies_signal = QtCore.Signal(Event)
    open_symbol_signal = QtCore.Signal(Event)
    halt_signal = QtCore.Signal(Event)
    order_signal = QtCore.Signal(Event)

    def __init__(self, engine: TradingEngine, layout_file: Path, confirm_exit: bool = True,
                 store: SettingsStore | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.store = store or SettingsStore(engine.data_dir.settings_file)
        if store is None:
            self.store.load()
        self.dialog: QtWidgets.QDialog | None = None
        self.layout_file = layout_file
        self.confirm_exit = confirm_exit
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self.widgets = Panels()
        self.status_labels: dict[str, QtWidgets.QLabel] = {}
        self.setWindowTitle(tr("量化 LiangHua 交易工作站 — {path}", path=engine.data_dir.root))
        self.setObjectName("LiangHuaMainWindow")
        self.setWindowIcon(icon("app"))
        self.setDockOptions(QtWidgets.QMainWindow.DockOption.AllowTabbedDocks
                            | QtWidgets.QMainWindow.DockOption.AllowNestedDocks
                            | QtWidgets.QMainWindow.DockOption.AnimatedDocks)
        self.resize(1600, 1000)
        self._build_docks()
        self.default_state = self.saveState(LAYOUT_VERSION)
        self._build_menu()
        self._build_status_bar()
        self.sized = False
        self.restored = self.restore_layout()

    # --- docks --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        """The trader's own panels first: the ticket on the left; quotes (the apps tabbed behind
        them), orders, then positions beside funds on the right; the log along the bottom."""
        self.setCorner(QtCore.Qt.Corner.BottomLeftCorner, Area.BottomDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, Area.BottomDockWidgetArea)
        for key, title, widget_class, area in PANELS:
            self._add_dock(key, tr(title), widget_class(self.engine, self.engine.event_engine), area)
        docks = self.docks
        self.splitDockWidget(docks["ticks"], docks["orders"], Vertical)
        self.splitDockWidget(docks["orders"], docks["positions"], Vertical)
        self.splitDockWidget(docks["positions"], docks["accounts"], Horizontal)
        self.tabifyDockWidget(docks["orders"], docks["active"])
        self.tabifyDockWidget(docks["orders"], docks["trades"])
        self.widgets["ticks"].itemDoubleClicked.connect(self.widgets["trading"].update_with_cell)
        self.widgets["positions"].itemDoubleClicked.connect(self.widgets["trading"].update_with_cell)
        first_app_dock = None
        for app in self.engine.get_all_apps():
            key = f"app:{app.app_name}"
            if getattr(app, "panel_on_demand", False):
                dock = self._add_dock(key, tr(app.display_name), QtWidgets.QWidget(), Area.RightDockWidgetArea)
                self.widgets.pop(key)
                self.widgets.factories[key] = lambda a=app: self._build_app_panel(a)
                dock.visibilityChanged.connect(lambda visible, k=key: visible and self.widgets.build(k))
            else:
                widget = self._build_app_panel(app)
                if widget is None:
                    continue
                dock = self._add_dock(key, tr(app.display_name), widget, Area.RightDockWidgetArea)
            self.tabifyDockWidget(first_app_dock or docks["ticks"], dock)
            first_app_dock = first_app_dock or docks["ticks"]
        docks["ticks"].raise_()
        docks["orders"].raise_()

    def _build_app_panel(self, app) -> QtWidgets.QWidget | None:
        try:
            widget_class = getattr(import_module(f"{app.app_module}.ui"), app.widget_name)
            widget = widget_class(self.engine, self.engine.event_engine)
        except Exception as error:  # one broken app must not take the window down
            message = tr("应用{name}界面加载失败：{error}", name=app.display_name, error=error)
            self.engine.write_log(message)
            if f"app:{app.app_name}" in self.docks:
                self.docks[f"app:{app.app_name}"].widget().setWidget(QtWidgets.QLabel(message))
            return None
        dock = self.docks.get(f"app:{app.app_name}")
        if dock is not None:        # built on demand: into the dock that waited for it
            dock.widget().setWidget(widget)
        return widget

    def _default_sizes(self) -> None:
        """Each trading panel tall enough for its rows (Qt sizes docks once the window is laid out)."""
        docks, height, width = self.docks, self.height(), self.width()
        self.resizeDocks([docks["ticks"], docks["orders"], docks["positions"], docks["log"]],
                         [int(height * share) for share in (0.40, 0.22, 0.22, 0.12)], Vertical)
        self.resizeDocks([docks["trading"], docks["positions"], docks["accounts"]],
                         [360, int(width * 0.4), int(width * 0.35)], Horizontal)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self.sized:
            self.sized = True
            if not self.restored:
                QtCore.QTimer.singleShot(0, self._default_sizes)

    def _add_dock(self, key: str, title: str, widget: QtWidgets.QWidget, area: Area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(key)  # saveState/restoreState match docks by object name
        # A tall form (an app's settings, the ticket's ladder) scrolls instead of forcing its
        # minimum height on every panel beside it.
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(widget)
        dock.setWidget(scroll)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        dock.setWindowIcon(icon(key.removeprefix("app:")))
        self.docks[key] = dock
        self.widgets[key] = widget
        return dock

    # --- menu and status bar ----------------------------------------------------------------
    def _build_menu(self) -> None:
        bar = self.menuBar()
        bar.setNativeMenuBar(False)
        system = bar.addMenu(tr("系统"))
        for name in self.engine.get_all_gateway_names():
            action = system.addAction(tr("连接{name}…", name=GATEWAY_WORDS.get(name, name)) if name in DIALOGS
                                      else tr("连接{name}", name=name))
            action.triggered.connect(lambda _=False, n=name: self.connect_gateway(n))
        system.addSeparator()
        system.addAction(tr("设置…"), self.open_settings)
        system.addSeparator()
        system.addAction(tr("退出"), self.close)
        self.view_menu = bar.addMenu(tr("视图"))
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.reset_action = self.view_menu.addAction(tr("重置布局"), self.reset_layout)
        self.view_menu.addAction(tr("保存布局"), self.save_layout)
        help_menu = bar.addMenu(tr("帮助"))
        help_menu.addAction(tr("使用说明"), self.open_readme)
        help_menu.addAction(tr("打开数据文件夹"), self.open_data_folder)
        help_menu.addAction(tr("打开日志文件夹"), self.open_log_folder)
        help_menu.addAction(tr("关于"), self.open_about)

    def _build_status_bar(self) -> None:
        status_bar = self.statusBar()
        for name in self.engine.get_all_gateway_names():
            label = QtWidgets.QLabel()
            self.status_labels[name] = label
            status_bar.addPermanentWidget(label)
            known = self.engine.gateway_status.get(name)
            self.show_status(known or GatewayStatus(name, False, tr("未连接")))
        self.status_signal.connect(lambda event: self.show_status(event.data))
        self.engine.event_engine.register(EVENT_GATEWAY_STATUS, self.status_signal.emit)
        self.strategies_signal.connect(self.refresh_strategy_classes)
        self.engine.event_engine.register(EVENT_STRATEGY_FILES, self.strategies_signal.emit)
        self.open_symbol_signal.connect(lambda event: self.open_symbol(event.data))
        self.engine.event_engine.register(EVENT_OPEN_SYMBOL, self.open_symbol_signal.emit)
        self.halt_label = QtWidgets.QLabel()
        status_bar.addPermanentWidget(self.halt_label)
        self.halt_box: QtWidgets.QMessageBox | None = None
        self.show_halts(dict(self.engine.halts))
        self.halt_signal.connect(lambda event: self.show_halts(event.data))
        self.engine.event_engine.register(EVENT_TRADING_HALT, self.halt_signal.emit)
        self.rejections: list[str] = []
        self.rejected_ids: set[str] = set()
        self.rejection_box: QtWidgets.QMessageBox | None = None
        self.order_signal.connect(self.on_order_event)
        self.engine.event_engine.register(EVENT_ORDER, self.order_signal.emit)

    def show_halts(self, halts: dict[str, str]) -> None:
        """New orders are stopped (the journal or the risk manager failed): say so until it is over."""
        reasons = "\n".join(halts.values())
        self.halt_label.setVisible(bool(halts))
        self.halt_label.setText(tr("■ 已停止新委托"))
        self.halt_label.setStyleSheet("color: white; background: #b42318; padding: 0 8px;")
        self.halt_label.setToolTip(reasons)
        if self.halt_box is not None:
            self.halt_box.close()
            self.halt_box = None
        if halts:
            self.halt_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, tr("已停止新委托"),
                                                  tr("{reasons}\n\n撤单和查询照常；问题解决后会自动恢复，"
                                                     "否则请修复后重启程序。", reasons=reasons), parent=self)
            self.halt_box.setModal(False)
            self.halt_box.show()

    def on_order_event(self, event: Event) -> None:
        self.show_rejection(event.data)

    def show_rejection(self, order) -> None:
        """A refused order pops its full reason (the table cell cuts it); refusals that follow
        while the box is open are added to it, newest first."""
        if order.status is not Status.REJECTED or order.vt_orderid in self.rejected_ids:
            return
        self.rejected_ids.add(order.vt_orderid)
        reason = (order.extra or {}).get("reason") or tr("未说明原因")
        line = tr("{time} {order}：{reason}", time=formatting.clock(order.datetime), order=describe_order(order),
                  reason=reason)
        if self.rejection_box is None or not self.rejection_box.isVisible():
            self.rejections = []
            self.rejection_box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, tr("委托被拒绝"), "",
                                                       parent=self)
            self.rejection_box.setModal(False)
        self.rejections = [line, *self.rejections][:REJECTIONS_SHOWN]
        self.rejection_box.setText("\n".join(self.rejections))
        self.rejection_box.show()

    def show_status(self, status: GatewayStatus) -> None:
        label = self.status_labels.get(status.gateway_name)
        if label is None:
            return
        state = tr("已连接") if status.connected else tr("未连接")
        color = "#1a7f37" if status.connected else "#b42318"
        label.setText(f"● {status.gateway_name} {state}")
        label.setStyleSheet(f"color: {color}; padding: 0 8px;")
        label.setToolTip(status.message)

    def open_symbol(self, vt_symbol: str) -> None:
        """Show `vt_symbol` in the trading panel (from a double-click in an app's table)."""
        symbol, _, exchange = vt_symbol.rpartition(".")
        trading = self.widgets.get("trading")
        if trading is None or not symbol:
            return
        trading.symbol_line.setText(symbol)
        trading.exchange_combo.setCurrentIndex(trading.exchange_combo.findText(exchange))
        trading.set_vt_symbol()
        self.docks["trading"].show()
        self.docks["trading"].raise_()

    def refresh_strategy_classes(self, event: Event) -> None:
        manager = self.widgets.get("app:CtaStrategy")
        if manager is not None and hasattr(manager, "class_combo"):
            current = manager.class_combo.currentText()
            manager.class_combo.clear()
            manager.update_class_combo()
            manager.class_combo.setCurrentText(current)

    def show_dialog(self, dialog: QtWidgets.QDialog) -> QtWidgets.QDialog:
        """Non-modal: the quotes and orders keep moving behind it."""
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.dialog = dialog
        return dialog

    def open_readme(self) -> QtWidgets.QDialog:
        return self.show_dialog(ReadmeDialog(self))

    def open_about(self) -> QtWidgets.QDialog:
        return self.show_dialog(AboutDialog(self.engine.data_dir.root, self.engine.data_dir.logs_dir, self))

    def open_data_folder(self) -> None:
        open_folder(self.engine.data_dir.root)

    def open_log_folder(self) -> None:
        open_folder(self.engine.data_dir.logs_dir)

    def open_settings(self) -> QtWidgets.QDialog:
        return self.show_dialog(SettingsDialog(self.store, self.engine.data_dir.root.name, self))

    def connect_gateway(self, name: str) -> QtWidgets.QDialog | None:
        if name in DIALOGS:
            return self.show_dialog(DIALOGS[name](self.engine, self.store, self))
        if name == "SIM":
            from ..bootstrap import connect_sim_gateway

            status = self.engine.gateway_status.get("SIM")
            if not (status and status.connected):
                connect_sim_gateway(self.engine)
            return None
        from vnpy.trader.ui.widget import ConnectDialog

        return self.show_dialog(ConnectDialog(self.engine, name))

    # --- layout -------------------------------------------------------------------------
    def save_layout(self) -> None:
        payload = {
            "version": LAYOUT_VERSION,
            "state": base64.b64encode(bytes(self.saveState(LAYOUT_VERSION))).decode(),
            "geometry": base64.b64encode(bytes(self.saveGeometry())).decode(),
        }
        self.layout_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.layout_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(payload), encoding="utf-8")
        temporary.replace(self.layout_file)

    def restore_layout(self) -> bool:
        if not self.layout_file.exists():
            return False
        try:
            payload = json.loads(self.layout_file.read_text(encoding="utf-8"))
            state = QtCore.QByteArray(base64.b64decode(payload["state"]))
            geometry = QtCore.QByteArray(base64.b64decode(payload["geometry"]))
        except (ValueError, KeyError, TypeError):
            self.engine.write_log(tr("布局文件{path}已损坏，使用默认布局", path=self.layout_file))
            return False
        self.restoreGeometry(geometry)
        return self.restoreState(state, LAYOUT_VERSION)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self.default_state, LAYOUT_VERSION)
        self._default_sizes()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.confirm_exit:
            answer = QtWidgets.QMessageBox.question(self, tr("退出"), tr("确认退出量化工作站？"))
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_layout()
        for widget in self.widgets.values():
            widget.close()
        self.engine.close()
        event.accept()
