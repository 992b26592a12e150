"""The optimiser dock, offscreen: a grid run off the GUI thread streaming trials, sortable
results, heatmap, diagnostics, apply, past runs, cancel and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from apps.optimizer.ui import OptimizerWidget
from lianghua_app.setting_versions import versions
from lianghua_app.storage.models import OptimizationRun


@pytest.fixture
def dock(qtbot, engine, optimizer_bars):
    widget = OptimizerWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    widget.strategy_combo.setCurrentText("DoubleMaStrategy")
    widget.setup.show_overview(widget.engine.overview())
    widget.setup.symbol_chosen(0)
    widget.setup.rules_combo.setCurrentIndex(widget.setup.rules_combo.findData("none"))
    widget.setup.size_spin.setValue(100)
    widget.workers_spin.setValue(1)
    widget.range_edits["fast_window"].setText("5:20:5")
    widget.range_edits["slow_window"].setText("30:60:10")
    return widget


def run(qtbot, dock) -> None:
    with qtbot.waitSignal(dock.finished, timeout=120_000):
        dock.run_button.click()


def test_a_grid_run_streams_every_trial_into_a_sortable_table(qtbot, dock):
    run(qtbot, dock)
    assert dock.model.rowCount() == 16
    assert dock.progress_bar.value() == dock.progress_bar.maximum()
    column = 5                                 # "#", window, kind, fast, slow, then the target
    dock.table.sortByColumn(column, QtCore.Qt.SortOrder.DescendingOrder)
    top = float(dock.proxy.index(0, column).data())
    assert top == pytest.approx(max(t.statistics["sharpe_ratio"] for t in dock.trials), abs=1e-4)


def test_the_heatmap_shows_the_target_over_two_parameters(qtbot, dock):
    run(qtbot, dock)
    assert dock.heatmap.grid.shape == (4, 4)
    assert np.isfinite(dock.heatmap.grid).all()
    assert "紧缩夏普" in dock.diagnostics_label.text() and "过拟合概率" in dock.diagnostics_label.text()


def test_apply_saves_the_selected_trial_as_a_new_setting_version(qtbot, dock):
    run(qtbot, dock)
    dock.table.selectRow(3)
    chosen = dock.selected_trial()
    dock.apply_selected()
    saved = versions("DoubleMaStrategy")
    assert saved[0].setting == chosen.params and saved[0].run_id == dock.run_id
    assert "v1" in dock.status_label.text()


def test_a_past_run_opens_again_from_the_history(qtbot, dock):
    run(qtbot, dock)
    assert dock.runs_table.rowCount() == 1
    dock.model.clear()
    dock.open_run(0)
    assert dock.model.rowCount() == 16 and dock.heatmap.grid.shape == (4, 4)


def test_cancel_stops_the_run_and_it_is_kept_as_cancelled(qtbot, dock):
    with qtbot.waitSignal(dock.finished, timeout=120_000):
        dock.run_button.click()
        dock.cancel_button.click()
    assert dock.run_button.isEnabled()
    assert OptimizationRun.select().get().status == "cancelled"
    assert dock.model.rowCount() < 16


def test_a_bad_range_is_a_dialog_and_nothing_runs(qtbot, dock):
    dock.range_edits["fast_window"].setText("5:20:0")
    dock.run_button.click()
    assert "步长不能为0" in dock.error_box.text()
    assert OptimizationRun.select().count() == 0


def test_opening_the_dock_starts_the_local_workers_soon_after_so_the_first_run_starts_warm(qtbot, engine):
    engine.settings.values["optimizer.workers"] = 2
    widget = OptimizerWidget(engine, engine.event_engine)
    qtbot.addWidget(widget)
    optimizer = widget.engine
    assert optimizer.pool is None                  # nothing is started for a dock nobody opened
    widget.show()
    assert optimizer.pool is None                  # not while the window is still appearing
    qtbot.waitUntil(lambda: optimizer.pool is not None and optimizer.pool.ready, timeout=60_000)
    assert optimizer.pool.workers == 2
