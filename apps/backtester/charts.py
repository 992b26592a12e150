"""Result charts: balance and drawdown, daily PnL, PnL distribution, and candlesticks with
entry and exit markers that draw at most a few candles per pixel however many bars there are."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from vnpy.trader.constant import Interval

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ
from lianghua_app.ui.axes import DateAxis, NumberAxis

from .engine import BacktestResult

UP = QtGui.QColor(220, 60, 60)        # red rises, as on every A-share screen
DOWN = QtGui.QColor(30, 160, 90)


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day).timestamp()


class ResultCharts(QtWidgets.QWidget):
    """Balance over drawdown, then daily PnL and its distribution."""

    def __init__(self) -> None:
        super().__init__()
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.balance_plot = self.layout_widget.addPlot(row=0, col=0, title=tr("账户净值"),
                                                       axisItems={"bottom": DateAxis(), "left": NumberAxis()})
        self.drawdown_plot = self.layout_widget.addPlot(row=1, col=0, title=tr("回撤"),
                                                        axisItems={"bottom": DateAxis(), "left": NumberAxis()})
        self.pnl_plot = self.layout_widget.addPlot(row=2, col=0, title=tr("每日盈亏"),
                                                   axisItems={"bottom": DateAxis(), "left": NumberAxis()})
        self.distribution_plot = self.layout_widget.addPlot(row=3, col=0, title=tr("盈亏分布"),
                                                            axisItems={"bottom": NumberAxis("bottom")})
        for plot in (self.drawdown_plot, self.pnl_plot):
            plot.setXLink(self.balance_plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)

    def show_result(self, result: BacktestResult) -> None:
        for plot in (self.balance_plot, self.drawdown_plot, self.pnl_plot, self.distribution_plot):
            plot.clear()
        if result.daily.empty:
            return
        x = np.array([_epoch(day) for day in result.daily.index])
        balance = np.array(result.balance())
        drawdown = balance - np.maximum.accumulate(balance)
        pnl = result.daily["net_pnl"].to_numpy(dtype=float)
        self.balance_plot.plot(x, balance, pen=pg.mkPen(UP, width=2))
        self.drawdown_plot.plot(x, drawdown, pen=pg.mkPen(DOWN), fillLevel=0, brush=(30, 160, 90, 90))
        width = 86400 * 0.8
        self.pnl_plot.addItem(pg.BarGraphItem(x=x, height=pnl, width=width,
                                              brushes=[UP if value >= 0 else DOWN for value in pnl]))
        counts, edges = np.histogram(pnl, bins=min(50, max(len(pnl) // 2, 1)))
        self.distribution_plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=UP))


class TimeAxis(pg.AxisItem):
    """Bars are plotted at their index, so nights and weekends leave no gaps; ticks show times."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.times = np.empty(0)
        self.zone = CHINA_TZ          # the run's clock (UTC for crypto rules)
        self.daily = False            # daily bars show their date alone

    def tickStrings(self, values, scale, spacing) -> list[str]:
        labels = []
        for value in values:
            index = int(round(value))
            if 0 <= index < len(self.times):
                moment = datetime.fromtimestamp(self.times[index], self.zone)
                labels.append(f"{moment:%Y-%m-%d}" if self.daily else f"{moment:%Y-%m-%d\n%H:%M}")
            else:
                labels.append("")
        return labels


class CandleItem(pg.GraphicsObject):
    """OHLC candles. Bars that share a pixel are merged first (open of the first, close of the
    last, extremes of all), so a paint costs the same for 500 or 500,000 bars."""

    def __init__(self) -> None:
        super().__init__()
        self.ohlc = np.empty((0, 4))
        self.drawn = 0          # candles in the last paint
        self._rect = QtCore.QRectF()

    def set_data(self, ohlc: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.ohlc = ohlc
        if len(ohlc):
            low, high = float(ohlc[:, 2].min()), float(ohlc[:, 1].max())
            self._rect = QtCore.QRectF(-1, low, len(ohlc) + 1, high - low)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def visible_span(self) -> tuple[int, int]:
        view = self.getViewBox()
        if view is None or not len(self.ohlc):
            return 0, len(self.ohlc)
        (left, right), _ = view.viewRange()
        return max(int(math.floor(left)), 0), min(int(math.ceil(right)) + 1, len(self.ohlc))

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        first, last = self.visible_span()
        if last <= first:
            self.drawn = 0
            return
        view = self.getViewBox()
        pixels = max(int(view.width()) if view is not None else 1000, 1)
        bucket = max(1, math.ceil((last - first) / pixels))
        starts = np.arange(first, last, bucket)
        block = self.ohlc[first:last]
        offsets = starts - first
        opens = block[offsets, 0]
        closes = block[np.minimum(offsets + bucket - 1, len(block) - 1), 3]
        highs = np.maximum.reduceat(block[:, 1], offsets)
        lows = np.minimum.reduceat(block[:, 2], offsets)
        centers = starts + (bucket - 1) / 2
        half = bucket * 0.4
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for rising, color in ((True, UP), (False, DOWN)):
            mask = (closes >= opens) if rising else (closes < opens)
            painter.setPen(pg.mkPen(color, width=0))
            painter.setBrush(QtGui.QBrush(color) if not rising else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
            painter.drawLines([QtCore.QLineF(x, lo, x, hi) for x, lo, hi in
                               zip(centers[mask].tolist(), lows[mask].tolist(), highs[mask].tolist(), strict=True)])
            painter.drawRects([QtCore.QRectF(x - half, min(o, c), 2 * half, abs(c - o)) for x, o, c in
                               zip(centers[mask].tolist(), opens[mask].tolist(), closes[mask].tolist(), strict=True)])
        self.drawn = len(starts)


class CandleChart(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.axis = TimeAxis()
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": self.axis, "left": NumberAxis()})
        self.plot = self.plot_widget.getPlotItem()
        self.candles = CandleItem()
        self.buys = pg.ScatterPlotItem(symbol="t1", size=11, brush=UP, pen=None)
        self.sells = pg.ScatterPlotItem(symbol="t", size=11, brush=DOWN, pen=None)
        for item in (self.candles, self.buys, self.sells):
            self.plot.addItem(item)
        self.plot.getViewBox().sigXRangeChanged.connect(self._fit_prices)
        self.plot.getViewBox().setMouseEnabled(x=True, y=False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

    def show_result(self, result: BacktestResult) -> None:
        bars = result.bars
        if bars is None or not len(bars):
            return
        data = bars.data
        self.axis.times = data[:, 0]
        self.axis.zone, self.axis.daily = bars.tz, bars.template.interval is Interval.DAILY
        self.candles.set_data(data[:, 1:5])
        times = np.array([trade.datetime.timestamp() for trade in result.trades])
        prices = np.array([trade.price for trade in result.trades])
        buy = np.array([trade.direction.name == "LONG" for trade in result.trades], dtype=bool)
        index = np.minimum(np.searchsorted(data[:, 0], times), len(data) - 1)
        self.buys.setData(x=index[buy], y=prices[buy])
        self.sells.setData(x=index[~buy], y=prices[~buy])
        self.plot.setXRange(max(len(data) - 300, 0), len(data), padding=0.02)

    def _fit_prices(self) -> None:
        first, last = self.candles.visible_span()
        if last > first:
            block = self.candles.ohlc[first:last]
            self.plot.setYRange(float(block[:, 2].min()), float(block[:, 1].max()), padding=0.05)
