"""Optimiser dock: ranges per parameter, the search, trials streaming in with ETA and cancel,
sortable results, heatmap, sensitivity, history, diagnostics, past runs and "apply"."""

from __future__ import annotations

import json
from threading import Event

from PySide6 import QtCore, QtGui, QtWidgets
from vnpy.event import EventEngine
from vnpy.trader.engine import MainEngine

from apps.backtester.engine import BacktestConfig
from apps.backtester.labels import statistic_label
from apps.backtester.stats import NUMERIC_STATISTICS
from lianghua_app import formatting
from lianghua_app.events import EVENT_STRATEGY_FILES
from lianghua_app.i18n import tr
from lianghua_app.storage import read_time
from lianghua_app.ui.setup_form import RunDock, RunSetupForm, scroll_panel
from lianghua_app.ui.tables import RecordTable
from lianghua_app.ui.worker import run_in_background

from .charts import HeatMap, LinePlots
from .engine import APP_NAME, OptimizerEngine, RequestText, build_request
from .evaluate import Trial
from .report import result_lines
from .run import Eta, OptimizeResult
from .search import METHODS, SAMPLERS
from .space import OptimizeError

METHOD_LABELS = {"grid": "穷举网格", "random": "随机搜索", "ga": "遗传算法", "bayes": "贝叶斯（optuna）"}
SHOWN = ("sharpe_ratio", "total_return", "annual_return", "max_ddpercent", "trade_count")
STATUS_LABELS = {"ok": "完成", "excluded": "不满足约束", "failed": "出错"}
ROLE_LABELS = {"search": "搜索", "neighbour": "邻域检查", "oos": "样本外"}
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole
TRIAL_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
WARM_UP_DELAY_MS = 3000     # the workers start once the main window has had its first seconds


def _cell(value) -> QtGui.QStandardItem:
    """Shown as text, sorted as a number where it is one."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    item = QtGui.QStandardItem(f"{value:.4f}" if isinstance(value, float) else "" if value is None else str(value))
    item.setData(value if number else ("" if value is None else str(value)), SORT_ROLE)
    return item


class OptimizerWidget(RunDock, QtWidgets.QWidget):
    title = "参数优化"
    trial_arrived = QtCore.Signal(object, int, int)
    finished = QtCore.Signal()
    strategies_changed = QtCore.Signal(object)

    def __init__(self, main_engine: MainEngine, event_engine: EventEngine) -> None:
        super().__init__()
        self.engine: OptimizerEngine = main_engine.get_engine(APP_NAME)
        self.trials: list[Trial] = []
        self.names: list[str] = []
        self.target, self.minimize = "sharpe_ratio", False
        self.run_id: int | None = None
        self.cancel_event: Event | None = None
        self.eta = Eta()
        self.error_box: QtWidgets.QMessageBox | None = None
        self._build_form()
        self._build_results()
        splitter = QtWidgets.QSplitter()
        splitter.addWidget(self.form_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        QtWidgets.QHBoxLayout(self).addWidget(splitter)
        self.trial_arrived.connect(self._trial)
        self.strategies_changed.connect(lambda _: self.refresh_strategies())
        event_engine.register(EVENT_STRATEGY_FILES, self.strategies_changed.emit)
        self.refresh_strategies()
        self.setup.show_overview(self.engine.overview())
        self.refresh_runs()
        self.prepared = False

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self.prepared:
            self.prepared = True
            # Starting the workers is two Python processes importing for a second or two: when the
            # dock opens with the main window, they would slow its first paint by about as much.
            QtCore.QTimer.singleShot(WARM_UP_DELAY_MS, self, self.engine.prepare)

    # --- set-up ------------------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.strategy_combo = QtWidgets.QComboBox()
        self.strategy_combo.currentTextChanged.connect(self._strategy_chosen)
        self.ranges = QtWidgets.QFormLayout()
        self.range_edits: dict[str, QtWidgets.QLineEdit] = {}
        self.setup = RunSetupForm()
        self.setup.refresh_button.clicked.connect(lambda: self.setup.show_overview(self.engine.overview()))
        self.method_combo = QtWidgets.QComboBox()
        for method in METHODS:
            self.method_combo.addItem(tr(METHOD_LABELS[method]), method)
        self.sampler_combo = QtWidgets.QComboBox()
        self.sampler_combo.addItems(SAMPLERS)
        self.trials_spin = QtWidgets.QSpinBox()
        self.trials_spin.setRange(1, 100_000)
        self.trials_spin.setValue(50)
        self.target_combo = QtWidgets.QComboBox()
        for key in NUMERIC_STATISTICS:
            self.target_combo.addItem(statistic_label(key), key)
        self.target_combo.setCurrentIndex(self.target_combo.findData("sharpe_ratio"))
        self.minimize_check = QtWidgets.QCheckBox(tr("越小越好"))
        self.constraints_edit = QtWidgets.QLineEdit()
        self.constraints_edit.setPlaceholderText("trade_count>=10; max_ddpercent>=-20")
        self.walk_edit = QtWidgets.QLineEdit()
        self.walk_edit.setPlaceholderText(tr("样本内天数:样本外天数[:步长]，如 360:90，留空不做"))
        self.anchored_check = QtWidgets.QCheckBox(tr("锚定起点"))
        self.workers_spin = QtWidgets.QSpinBox()
        self.workers_spin.setRange(0, 256)
        self.workers_spin.setSpecialValueText(tr("全部CPU核"))
        self.dask_edit = QtWidgets.QLineEdit()
        self.dask_edit.setPlaceholderText("tcp://10.0.0.5:8786")
        settings = self.engine.settings
        if settings is not None:
            self.workers_spin.setValue(settings["optimizer.workers"])
            self.dask_edit.setText(settings["optimizer.dask_scheduler"])
        self._build_run_controls(tr("开始优化"))
        form = QtWidgets.QFormLayout()
        form.addRow(tr("策略"), self.strategy_combo)
        form.addRow(QtWidgets.QLabel(tr("参数范围：起点:终点:步长，或 a,b,c，或一个固定值")))
        form.addRow(self.ranges)
        form.addRow(self.setup)
        for label, widget in ((tr("方法"), self.method_combo), (tr("采样器"), self.sampler_combo),
                              (tr("试验次数"), self.trials_spin), (tr("目标"), self.target_combo),
                              ("", self.minimize_check), (tr("约束"), self.constraints_edit),
                              (tr("滚动窗口"), self.walk_edit), ("", self.anchored_check),
                              (tr("本机进程"), self.workers_spin), (tr("Dask调度器"), self.dask_edit)):
            form.addRow(label, widget)
        self.form_panel = scroll_panel(form, self.run_button, self.cancel_button, self.progress_bar,
                                       self.status_label)

    def _strategy_chosen(self, name: str) -> None:
        while self.ranges.rowCount():
            self.ranges.removeRow(0)
        self.range_edits = {}
        strategy_class = self.engine.strategy_classes().get(name)
        for param in getattr(strategy_class, "parameters", []):
            edit = QtWidgets.QLineEdit(str(getattr(strategy_class, param, "")))
            self.range_edits[param] = edit
            self.ranges.addRow(param, edit)

    def request_text(self) -> RequestText:
        constraints = [c.strip() for c in self.constraints_edit.text().replace("；", ";").split(";") if c.strip()]
        return RequestText([f"{name}={edit.text().strip()}" for name, edit in self.range_edits.items()],
                           self.target_combo.currentData(), self.minimize_check.isChecked(),
                           self.method_combo.currentData(), self.trials_spin.value(), constraints,
                           self.walk_edit.text().strip(), self.anchored_check.isChecked(),
                           self.sampler_combo.currentText())

    # --- running -----------------------------------------------------------------------------------
    def start(self) -> None:
        config = BacktestConfig(**self.setup.fields(self.strategy_combo.currentText(), {}))
        if not config.vt_symbol:
            self._show_error(tr("请填写代码，如 000001.SZSE，或从列表中选择已有数据"))
            return
        try:
            request = build_request(config, self.request_text(), self.engine.strategy_classes())
        except OptimizeError as error:
            self._show_error(str(error))
            return
        self.trials, self.run_id = [], None
        self.names = [p.name for p in request.params]
        self.target, self.minimize = request.target.statistic, request.target.minimize
        self._prepare_views()
        self.cancel_event = Event()
        cancel, workers, address = self.cancel_event, self.workers_spin.value() or None, self.dask_edit.text().strip()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status_label.setText(tr("正在准备…"))
        self.eta = Eta()
        run_in_background(lambda: self.engine.optimize(request, self.trial_arrived.emit, cancel, workers, address),
                          self._done, self._failed)

    def cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.status_label.setText(tr("正在取消：进行中的试验完成后停止…"))

    def _trial(self, trial: Trial, done: int, total: int) -> None:
        self.trials.append(trial)
        self._append_row(trial)
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(done)
        self.status_label.setText(tr("已完成{done}/{total}，用时{spent:.0f}秒，预计还需{left:.0f}秒", done=done,
                                     total=total, spent=self.eta.spent(), left=self.eta.left(done, total)))
        if done % 10 == 0:
            self.lines.draw(self.trials, self.target, self.minimize)

    def _done(self, outcome: tuple[OptimizeResult, int]) -> None:
        result, self.run_id = outcome
        self._idle()
        self.progress_bar.setValue(self.progress_bar.maximum())
        self.status_label.setText(tr("第{run}次优化完成：{count}组参数，用时{spent:.1f}秒", run=self.run_id,
                                     count=len(result.trials), spent=result.elapsed_s))
        self.diagnostics_label.setText("\n".join(result_lines(result, self.run_id)))
        self._draw()
        self.refresh_runs()
        self.finished.emit()

    # --- results -----------------------------------------------------------------------------------
    def _build_results(self) -> None:
        self.model = QtGui.QStandardItemModel()
        self.proxy = QtCore.QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.apply_button = QtWidgets.QPushButton(tr("应用所选参数（保存为策略参数新版本）"))
        self.apply_button.clicked.connect(self.apply_selected)
        trials_page = QtWidgets.QWidget()
        trials_layout = QtWidgets.QVBoxLayout(trials_page)
        trials_layout.addWidget(self.table)
        trials_layout.addWidget(self.apply_button)
        self.heatmap = HeatMap()
        self.lines = LinePlots()
        for combo in (self.heatmap.x_combo, self.heatmap.y_combo):
            combo.currentIndexChanged.connect(lambda _: self.heatmap.draw(self.trials, self.target, self.minimize))
        self.lines.param_combo.currentIndexChanged.connect(
            lambda _: self.lines.draw(self.trials, self.target, self.minimize))
        self.diagnostics_label = QtWidgets.QLabel()
        self.diagnostics_label.setWordWrap(True)
        self.diagnostics_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.diagnostics_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.runs_table = RecordTable([tr("编号"), tr("时间"), tr("策略"), tr("代码"), tr("方法"), tr("目标"),
                                       tr("最优值"), tr("试验数"), tr("状态")])
        self.runs_table.cellDoubleClicked.connect(self.open_run)
        self.tabs = QtWidgets.QTabWidget()
        for page, label in ((trials_page, "试验"), (self.heatmap, "热力图"), (self.lines, "敏感度与过程"),
                            (self.diagnostics_label, "诊断"), (self.runs_table, "历史运行")):
            self.tabs.addTab(page, tr(label))

    def _prepare_views(self) -> None:
        self.model.clear()
        self.model.setHorizontalHeaderLabels(["#", tr("窗口"), tr("类型"), *self.names, statistic_label(self.target),
                                              *[statistic_label(s) for s in SHOWN if s != self.target], tr("状态"),
                                              tr("说明")])
        self.heatmap.set_names(self.names)
        self.lines.param_combo.blockSignals(True)
        self.lines.param_combo.clear()
        self.lines.param_combo.addItems(self.names)
        self.lines.param_combo.blockSignals(False)
        self.diagnostics_label.clear()

    def _append_row(self, trial: Trial) -> None:
        note = trial.error.splitlines()[-1] if trial.error else ""
        values = [trial.number, trial.window + 1 if trial.window >= 0 else "", tr(ROLE_LABELS[trial.role]),
                  *[trial.params.get(n) for n in self.names], trial.statistics.get(self.target),
                  *[trial.statistics.get(s) for s in SHOWN if s != self.target],
                  tr(STATUS_LABELS.get(trial.status, trial.status)), note]
        row = [_cell(value) for value in values]
        row[0].setData(trial, TRIAL_ROLE)
        self.model.appendRow(row)

    def _draw(self) -> None:
        self.heatmap.draw(self.trials, self.target, self.minimize)
        self.lines.draw(self.trials, self.target, self.minimize)

    def selected_trial(self) -> Trial | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.proxy.mapToSource(rows[0])
        return self.model.item(source.row(), 0).data(TRIAL_ROLE)

    def apply_selected(self) -> None:
        trial = self.selected_trial()
        if trial is None or self.run_id is None:
            self._show_error(tr("先在试验表中选中一行（运行结束后）"))
            return
        strategy = self.strategy_combo.currentText()
        version = self.engine.apply(self.run_id, strategy, trial.params, self.setup.fields(strategy, {})["vt_symbol"])
        self.status_label.setText(tr("已保存为{strategy}的参数版本v{version}：回测和CTA策略新建时可直接使用",
                                     strategy=strategy, version=version.version))

    # --- past runs ---------------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        self.runs_table.set_rows([(r.id, formatting.minute(read_time(r.created)), r.strategy, r.vt_symbol, r.method,
                                   r.target,
                                   "" if r.best_target is None else f"{r.best_target:.4f}", r.trial_count, r.status)
                                  for r in self.engine.past_runs()])

    def open_run(self, row: int, _column: int = 0) -> None:
        """A stored run back in the table, heatmap and plots."""
        run_id = int(self.runs_table.cell_text(row, 0))
        run = next(r for r in self.engine.past_runs() if r.id == run_id)
        request = json.loads(run.request)
        self.run_id, self.target, self.minimize = run_id, run.target, run.minimize
        self.names = list(request.get("params", {}))
        self.strategy_combo.setCurrentText(run.strategy)
        self._prepare_views()
        self.trials = self.engine.run_trials(run_id)
        for trial in self.trials:
            self._append_row(trial)
        self.diagnostics_label.setText("\n".join(json.loads(run.diagnostics).get("readings", [])))
        self._draw()
        self.tabs.setCurrentIndex(0)
