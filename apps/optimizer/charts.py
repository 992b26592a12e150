"""The target over two parameters (heatmap), over one (sensitivity) and over the run (history).
The grids are computed by pure functions; the widgets only draw them."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from lianghua_app import formatting
from lianghua_app.i18n import tr

from .evaluate import Trial


def _value(trial: Trial, target: str) -> float | None:
    if trial.status == "failed" or trial.role == "oos":
        return None
    value = trial.statistics.get(target)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def heat_grid(trials: list[Trial], x: str, y: str, target: str, minimize: bool = False):
    """(x values, y values, grid[y][x]) with each cell the best target among the trials at that
    (x, y) whatever the other parameters; NaN where nothing was tried."""
    xs = sorted({t.params[x] for t in trials if x in t.params})
    ys = sorted({t.params[y] for t in trials if y in t.params})
    grid = np.full((len(ys), len(xs)), np.nan)
    pick = min if minimize else max
    for trial in trials:
        value = _value(trial, target)
        if value is None or x not in trial.params or y not in trial.params:
            continue
        row, column = ys.index(trial.params[y]), xs.index(trial.params[x])
        grid[row, column] = value if np.isnan(grid[row, column]) else pick(grid[row, column], value)
    return xs, ys, grid


def sensitivity(trials: list[Trial], name: str, target: str) -> tuple[list, list[float], list[float]]:
    """Per value of one parameter: the mean and the best target over everything else."""
    groups: dict = {}
    for trial in trials:
        value = _value(trial, target)
        if value is not None and name in trial.params:
            groups.setdefault(trial.params[name], []).append(value)
    keys = sorted(groups)
    return keys, [float(np.mean(groups[k])) for k in keys], [max(groups[k]) for k in keys]


def history(trials: list[Trial], target: str, minimize: bool = False) -> tuple[list[int], list[float], list[float]]:
    """Target by trial number, and the best so far."""
    numbers, values, best = [], [], []
    pick = min if minimize else max
    for trial in sorted(trials, key=lambda t: t.number):
        value = _value(trial, target)
        if value is None:
            continue
        numbers.append(trial.number)
        values.append(value)
        best.append(value if not best else pick(best[-1], value))
    return numbers, values, best


def _ticks(values: list) -> list[list[tuple[float, str]]]:
    step = max(1, len(values) // 12)
    return [[(i, formatting.compact(v) if isinstance(v, float) else str(v))
             for i, v in enumerate(values) if i % step == 0]]


class HeatMap(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.x_combo, self.y_combo = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        self.plot = pg.PlotWidget()
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False)
        self.bar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        self.grid = np.empty((0, 0))
        pickers = QtWidgets.QHBoxLayout()
        for label, combo in ((tr("横轴"), self.x_combo), (tr("纵轴"), self.y_combo)):
            pickers.addWidget(QtWidgets.QLabel(label))
            pickers.addWidget(combo, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.plot)

    def set_names(self, names: list[str]) -> None:
        for combo, index in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(index, len(names) - 1))
            combo.blockSignals(False)

    def draw(self, trials: list[Trial], target: str, minimize: bool) -> None:
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y or x == y:
            self.image.clear()
            return
        xs, ys, self.grid = heat_grid(trials, x, y, target, minimize)
        if not np.isfinite(self.grid).any():
            self.image.clear()
            return
        low, high = float(np.nanmin(self.grid)), float(np.nanmax(self.grid))
        self.image.setImage(self.grid.T, autoLevels=False)
        self.bar.setLevels((low, high if high > low else low + 1e-9))
        self.plot.getAxis("bottom").setTicks(_ticks(xs))
        self.plot.getAxis("left").setTicks(_ticks(ys))
        self.plot.setLabel("bottom", x)
        self.plot.setLabel("left", y)
        self.plot.setTitle(target)


class LinePlots(QtWidgets.QWidget):
    """Sensitivity to one parameter (with its picker) above the optimisation history."""

    def __init__(self) -> None:
        super().__init__()
        self.param_combo = QtWidgets.QComboBox()
        self.sensitivity_plot = pg.PlotWidget(title=tr("参数敏感度"))
        self.history_plot = pg.PlotWidget(title=tr("优化过程"))
        self.sensitivity_plot.addLegend()
        self.history_plot.addLegend()
        picker = QtWidgets.QHBoxLayout()
        picker.addWidget(QtWidgets.QLabel(tr("参数")))
        picker.addWidget(self.param_combo, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(self.sensitivity_plot)
        layout.addWidget(self.history_plot)

    def draw(self, trials: list[Trial], target: str, minimize: bool) -> None:
        self.sensitivity_plot.clear()
        self.history_plot.clear()
        name = self.param_combo.currentText()
        if name:
            keys, mean, best = sensitivity(trials, name, target)
            positions = list(range(len(keys)))
            self.sensitivity_plot.plot(positions, mean, pen=pg.mkPen("c", width=2), symbol="o", name=tr("平均"))
            self.sensitivity_plot.plot(positions, best, pen=pg.mkPen("y", style=pg.QtCore.Qt.PenStyle.DashLine),
                                       name=tr("最优"))
            self.sensitivity_plot.getAxis("bottom").setTicks(_ticks(keys))
            self.sensitivity_plot.setLabel("bottom", name)
        numbers, values, running = history(trials, target, minimize)
        self.history_plot.plot(numbers, values, pen=None, symbol="o", symbolSize=5, name=target)
        self.history_plot.plot(numbers, running, pen=pg.mkPen("y", width=2), name=tr("至今最优"))
