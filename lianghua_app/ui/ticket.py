"""The order ticket in each market's own words: 买入/卖出 and limit or market orders for
A-shares (no open/close choice), 开多/开空/平仓 and the perpetuals' order types for crypto, and a
depth ladder labelled 卖五…买五 with prices and sizes formatted."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtWidgets
from vnpy.event import Event
from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
from vnpy.trader.object import OrderRequest, PositionData, TickData
from vnpy.trader.ui.widget import TradingWidget

from .. import formatting
from ..i18n import tr
from ..markets import crypto, is_ashare
from ..markets.crypto import PostOnlyRequest


@dataclass(frozen=True)
class Side:
    label: str
    direction: Direction | None        # None: against the position held (平仓)
    offset: Offset


def sides(exchange: Exchange | None) -> list[Side]:
    if exchange is not None and is_ashare(exchange):
        return [Side(tr("买入"), Direction.LONG, Offset.NONE), Side(tr("卖出"), Direction.SHORT, Offset.NONE)]
    return [Side(tr("开多"), Direction.LONG, Offset.OPEN), Side(tr("开空"), Direction.SHORT, Offset.OPEN),
            Side(tr("平仓"), None, Offset.CLOSE)]


@dataclass(frozen=True)
class TicketType:
    label: str
    type: OrderType
    post_only: bool = False


def order_types(exchange: Exchange | None) -> list[TicketType]:
    if exchange is not None and is_ashare(exchange):
        return [TicketType(tr("限价"), OrderType.LIMIT), TicketType(tr("市价"), OrderType.MARKET)]
    return [TicketType(tr("限价"), OrderType.LIMIT), TicketType(tr("限价·只做Maker"), OrderType.LIMIT, True),
            TicketType(tr("市价"), OrderType.MARKET), TicketType(tr("立即成交剩余撤销(FAK)"), OrderType.FAK),
            TicketType(tr("触发单（止损/止盈，市价）"), OrderType.STOP)]


LEVELS = ("一", "二", "三", "四", "五")


class OrderTicket(TradingWidget):
    def init_ui(self) -> None:
        super().init_ui()
        self.setFixedWidth(340)
        grid: QtWidgets.QGridLayout = self.layout().itemAt(0).layout()
        self.offset_label = grid.itemAtPosition(4, 0).widget()
        self.direction_label = grid.itemAtPosition(3, 0).widget()
        self.price_label = grid.itemAtPosition(6, 0).widget()
        self.order_type_combo.currentIndexChanged.connect(self._name_price)
        self.exchange_combo.currentTextChanged.connect(self.show_market)
        self._label_ladder()
        self._leverage_row()
        self.show_market(self.exchange_combo.currentText())

    def _name_price(self, index: int) -> None:
        trigger = 0 <= index < len(getattr(self, "types", ())) and self.types[index].type is OrderType.STOP
        self.price_label.setText(tr("触发价") if trigger else tr("价格"))

    def _leverage_row(self) -> None:
        """Perpetuals: the symbol's leverage and margin mode, set on the chosen gateway."""
        self.leverage_box = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.leverage_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.leverage_spin = QtWidgets.QSpinBox()
        self.leverage_spin.setRange(1, 125)
        self.leverage_spin.setValue(5)
        self.leverage_spin.setSuffix(tr(" 倍"))
        self.margin_combo = QtWidgets.QComboBox()
        self.margin_combo.addItems([tr("全仓"), tr("逐仓")])
        self.leverage_button = QtWidgets.QPushButton(tr("设置杠杆"))
        self.leverage_button.clicked.connect(self.apply_leverage)
        for widget in (QtWidgets.QLabel(tr("杠杆")), self.leverage_spin, self.margin_combo, self.leverage_button):
            row.addWidget(widget)
        self.layout().insertWidget(1, self.leverage_box)

    def apply_leverage(self) -> str:
        """Ask the gateway; its answer arrives in the log. Returns what was asked, or why not."""
        symbol = self.symbol_line.text().strip()
        gateway = self.main_engine.get_gateway(self.gateway_combo.currentText())
        if not symbol:
            problem = tr("请先输入合约代码")
        elif gateway is None or not hasattr(gateway, "set_leverage"):
            problem = tr("接口{name}不支持设置杠杆（模拟盘的杠杆在设置中统一调整）",
                         name=self.gateway_combo.currentText())
        else:
            gateway.set_leverage(symbol, self.leverage_spin.value())
            gateway.set_margin_type(symbol, self.margin_combo.currentIndex() == 1)
            return tr("已请求：{symbol} {leverage}倍，{mode}", symbol=symbol, leverage=self.leverage_spin.value(),
                      mode=self.margin_combo.currentText())
        QtWidgets.QMessageBox.warning(self, tr("杠杆未设置"), problem)
        return problem

    def _label_ladder(self) -> None:
        """vnpy's ladder is two columns of numbers; a third in front says which level each is."""
        vbox: QtWidgets.QVBoxLayout = self.layout()
        form = vbox.itemAt(1).layout()
        pairs = []
        while form.count():
            item = form.takeAt(0)
            pairs.append(item.widget())
        vbox.removeItem(form)
        form.deleteLater()
        ladder = QtWidgets.QGridLayout()
        ladder.setVerticalSpacing(2)
        names = [tr("卖{level}", level=tr(n)) for n in reversed(LEVELS)] + [tr("最新")] + \
                [tr("买{level}", level=tr(n)) for n in LEVELS]
        self.level_labels = []
        for row, name in enumerate(names):
            label = QtWidgets.QLabel(name)
            self.level_labels.append(label)
            ladder.addWidget(label, row, 0)
            ladder.addWidget(pairs[2 * row], row, 1)
            ladder.addWidget(pairs[2 * row + 1], row, 2)
        vbox.addLayout(ladder)

    def exchange(self) -> Exchange | None:
        try:
            return Exchange(self.exchange_combo.currentText())
        except ValueError:
            return None

    def show_market(self, _text: str = "") -> None:
        exchange = self.exchange()
        self.sides = sides(exchange)
        self.types = order_types(exchange)
        self.direction_combo.clear()
        self.direction_combo.addItems([side.label for side in self.sides])
        self.order_type_combo.clear()
        self.order_type_combo.addItems([kind.label for kind in self.types])
        stock = exchange is not None and is_ashare(exchange)
        self.direction_label.setText(tr("买卖") if stock else tr("方向"))
        self.leverage_box.setVisible(not stock)
        self._leverage_limit()

    def set_vt_symbol(self) -> None:
        super().set_vt_symbol()
        self._leverage_limit()

    def _leverage_limit(self) -> None:
        spec = crypto.spec_of(self.symbol_line.text().strip())
        self.leverage_spin.setMaximum(spec.max_leverage if spec else 125)
        self.offset_label.setVisible(False)
        self.offset_combo.setVisible(False)

    def request(self) -> tuple[OrderRequest | None, str]:
        """The order the ticket describes, or why there is none."""
        symbol = self.symbol_line.text().strip()
        exchange = self.exchange()
        if not symbol or exchange is None:
            return None, tr("请输入代码并选择交易所")
        try:
            volume = float(self.volume_line.text() or 0)
            price = float(self.price_line.text() or 0)
        except ValueError:
            return None, tr("价格和数量须为数字")
        if volume <= 0:
            return None, tr("请输入委托数量")
        side = self.sides[max(self.direction_combo.currentIndex(), 0)]
        kind = self.types[max(self.order_type_combo.currentIndex(), 0)]
        if kind.type is OrderType.STOP and price <= 0:
            return None, tr("触发单须在价格栏填写触发价：卖出时高于标记价为止盈、低于为止损，买入相反")
        direction = side.direction
        if direction is None:
            held = self._net_position(f"{symbol}.{exchange.value}")
            if not held:
                return None, tr("{symbol}没有持仓可平", symbol=symbol)
            direction = Direction.SHORT if held > 0 else Direction.LONG
        request_class = PostOnlyRequest if kind.post_only else OrderRequest
        return request_class(symbol=symbol, exchange=exchange, direction=direction, type=kind.type, volume=volume,
                             price=price, offset=side.offset, reference="ManualTrading"), ""

    def _net_position(self, vt_symbol: str) -> float:
        net = 0.0
        for position in self.main_engine.get_all_positions():
            if position.vt_symbol == vt_symbol:
                net += -position.volume if position.direction is Direction.SHORT else position.volume
        return net

    def send_order(self) -> None:
        req, problem = self.request()
        if req is None:
            QtWidgets.QMessageBox.warning(self, tr("委托未发出"), problem)
            return
        self.main_engine.send_order(req, self.gateway_combo.currentText())

    def update_with_cell(self, cell) -> None:
        """A double-clicked position fills the ticket to get out of it: 卖出 for a stock, 平仓 for a perpetual."""
        super().update_with_cell(cell)
        if isinstance(cell.get_data(), PositionData):
            exits = [i for i, side in enumerate(self.sides) if side.direction is not Direction.LONG]
            self.direction_combo.setCurrentIndex(exits[-1])

    def process_tick_event(self, event: Event) -> None:
        tick: TickData = event.data
        if tick.vt_symbol != self.vt_symbol:
            return
        digits = self.price_digits
        self.lp_label.setText(formatting.price(tick.last_price, digits))
        if tick.pre_close:
            self.return_label.setText(formatting.percent((tick.last_price / tick.pre_close - 1) * 100))
        for level in range(1, 6):
            bid, ask = getattr(tick, f"bid_price_{level}"), getattr(tick, f"ask_price_{level}")
            getattr(self, f"bp{level}_label").setText(formatting.price(bid, digits) if bid else "")
            getattr(self, f"ap{level}_label").setText(formatting.price(ask, digits) if ask else "")
            getattr(self, f"bv{level}_label").setText(
                formatting.quantity(getattr(tick, f"bid_volume_{level}")) if bid else "")
            getattr(self, f"av{level}_label").setText(
                formatting.quantity(getattr(tick, f"ask_volume_{level}")) if ask else "")
        if self.price_check.isChecked():
            self.price_line.setText(f"{tick.last_price:.{digits}f}")
