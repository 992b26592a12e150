"""SimGateway: orchestration only. A feed thread drives the venue; every venue change leaves as
a vnpy event. Each change that alters the book leaves as one event group with the book's new
state, so the journal writes the state, the orders and the trades in one transaction before any
of them is shown: the saved book can never fall behind what the user saw, nor get ahead of the
journal."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, time, timezone

from vnpy.event import Event, EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.database import get_database
from vnpy.trader.gateway import BaseGateway
from vnpy.trader.object import (
    BarData,
    CancelRequest,
    ContractData,
    HistoryRequest,
    OrderData,
    OrderRequest,
    SubscribeRequest,
    TickData,
    TradeData,
)

from lianghua_app.events import (
    EVENT_CASH_FLOW,
    EVENT_GATEWAY_STATUS,
    EVENT_LEVEL2_TRADES,
    EVENT_MARKET_SNAPSHOT,
    EVENT_VENUE_STATE,
    GatewayStatus,
    Level2Trades,
    MarketSnapshot,
    VenueSnapshot,
)
from lianghua_app.i18n import tr
from lianghua_app.journal import book_since, max_ids
from lianghua_app.markets import CHINA_TZ, ashare, crypto
from lianghua_app.quotes import CryptoFrame
from lianghua_app.storage.models import VenueState

from .feed import SyntheticFeed, replay_bars
from .instruments import DEFAULT_INSTRUMENTS, SIM_LABEL, display_name, make_contract
from .market import SyntheticMarket, market_contracts, market_tick
from .perpetuals import SyntheticPerpetuals, perpetual_tick
from .venue import Changes, SimVenue


class SimGateway(BaseGateway):
    default_name = "SIM"
    default_setting: dict[str, str | int | float | bool] = {
        "seed": 20240601,
        "tick_interval": 0.5,
        "capital_cny": 1_000_000.0,
        "capital_usdt": 100_000.0,
        "leverage": 5,
        "commission_rate": 0.00025,
        "min_commission": 5.0,
        "enforce_sessions": False,
        "autostart": True,
        "whole_market": False,
        "market_interval": 3.0,
        "perpetuals": True,         # about 60 perpetuals for the hotlist (crypto_snapshot)
    }
    exchanges = [Exchange.SSE, Exchange.SZSE, Exchange.BSE, Exchange.GLOBAL]

    def __init__(self, event_engine: EventEngine, gateway_name: str = "SIM") -> None:
        super().__init__(event_engine, gateway_name)
        self.lock = threading.RLock()
        self.venue: SimVenue | None = None
        self.feed: SyntheticFeed | None = None
        self.replay: Iterator[TickData] | None = None
        self.replay_speed = 1
        self.interval = 0.5
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.connected = False
        self.market: SyntheticMarket | None = None
        self.market_interval = 3.0
        self.market_thread: threading.Thread | None = None
        self.market_watch: set[int] = set()        # rows of market symbols someone subscribed to
        self.perpetuals: SyntheticPerpetuals | None = None
        self.perpetual_watch: dict[str, str] = {}      # universe symbols someone subscribed to -> name
        self.autostart = True
        self._group: list[Event] | None = None     # events of the change being published
        self._group_thread = 0

    # --- connection --------------------------------------------------------------------
    def connect(self, setting: dict) -> None:
        options = {**self.default_setting, **setting}
        contracts = [make_contract(i.symbol, i.exchange, display_name(i.name), self.gateway_name)
                     for i in DEFAULT_INSTRUMENTS]
        if options["whole_market"]:
            self.market = SyntheticMarket(int(options["seed"]), datetime.now(CHINA_TZ).date())
            self.market_interval = float(options["market_interval"])
            contracts += market_contracts(self.market, self.gateway_name)
        if options["perpetuals"]:
            self.perpetuals = SyntheticPerpetuals(int(options["seed"]))
            contracts += self._perpetual_contracts({c.symbol for c in contracts})
        fees = ashare.AshareFeeSchedule(float(options["commission_rate"]), float(options["min_commission"]))
        self.venue = SimVenue(self.gateway_name, contracts, float(options["capital_cny"]),
                              float(options["capital_usdt"]), int(options["leverage"]), fees,
                              bool(options["enforce_sessions"]))
        self.feed = SyntheticFeed(DEFAULT_INSTRUMENTS, int(options["seed"]))
        self.interval = float(options["tick_interval"])
        self.autostart = bool(options["autostart"])
        restored = self._restore()
        for contract in contracts:
            self.on_contract(contract)
        self.query_account()
        self.query_position()
        with self.lock:
            self._publish_group(self._emit_book)
        self.connected = True
        message = tr("{label}接口已连接（合成行情，种子{seed}）", label=SIM_LABEL, seed=options["seed"])
        if restored:
            message += tr("，已恢复上次的模拟账户")
        self.write_log(message)
        self.on_event(EVENT_GATEWAY_STATUS, GatewayStatus(self.gateway_name, True, message))
        if options["autostart"]:
            self.start()

    def start(self) -> None:
        if self.thread and self.thread.is_alive():
            return
        self.stop_event.clear()
        self.thread = threading.Thread(target=self._run, name=f"{self.gateway_name}-feed", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop_event.set()
        for thread in (self.thread, self.market_thread):
            if thread:
                thread.join(timeout=5)
        if self.connected:
            self.connected = False
            self.on_event(EVENT_GATEWAY_STATUS, GatewayStatus(self.gateway_name, False, tr("已断开")))

    def _run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self.step()

    def step(self, now: datetime | None = None) -> None:
        """Advance the market by one push: a synthetic tick per instrument, or the next replayed
        quotes."""
        if self.venue is None or self.feed is None:
            return
        if self.replay is not None:
            ticks = [t for _, t in zip(range(self.replay_speed), self.replay, strict=False)]
            if not ticks:
                self.replay = None
                self.write_log(tr("历史回放结束，恢复合成行情"))
                return
        else:
            ticks = self.feed.next_ticks(now or datetime.now(CHINA_TZ)) + self._perpetual_ticks(now)
        for tick in ticks:
            self.push_tick(tick)

    def _perpetual_ticks(self, now: datetime | None) -> list[TickData]:
        if self.perpetuals is None or not self.perpetual_watch:
            return []
        with self.lock:
            frame = self.perpetuals.step((now or datetime.now(timezone.utc)).astimezone(timezone.utc))
        rows = {s: i for i, s in enumerate(frame.vt_symbols)}
        return [perpetual_tick(self.perpetuals, frame, rows[s], name) for s, name in self.perpetual_watch.items()]

    def push_tick(self, tick: TickData) -> None:
        tick.gateway_name = self.gateway_name
        with self.lock:
            changes = self.venue.on_tick(tick)
            self.on_tick(tick)
            self._publish(changes)

    def start_replay(self, symbol: str, exchange: Exchange, interval: Interval, start: datetime,
                     end: datetime, speed: int = 4) -> int:
        """Replay stored bars as quotes, `speed` quotes per push. Returns the number of bars."""
        bars: list[BarData] = get_database().load_bar_data(symbol, exchange, interval, start, end)
        if not bars:
            self.write_log(tr("回放失败：数据库中没有{symbol}.{exchange}在该区间的{interval}数据",
                              symbol=symbol, exchange=exchange.value, interval=interval.value))
            return 0
        self.replay = replay_bars(bars, pre_close=bars[0].open_price, depth=1_000_000)
        self.replay_speed = max(int(speed), 1)
        self.write_log(tr("开始回放{symbol}：{count}根K线", symbol=symbol, count=len(bars)))
        return len(bars)

    # --- the synthetic perpetuals -----------------------------------------------------------
    def _perpetual_contracts(self, listed: set[str]) -> list[ContractData]:
        specs = [spec for spec in self.perpetuals.specs() if spec.symbol not in listed]
        crypto.register_specs(specs)
        contracts = []
        for spec in specs:
            contract = make_contract(spec.symbol, Exchange.GLOBAL, display_name(spec.name), self.gateway_name)
            contract.extra = {"spec": spec, "tradfi": "TradFi" in spec.name}
            contracts.append(contract)
        return contracts

    def crypto_snapshot(self) -> CryptoFrame | None:
        """The perpetual universe one step on (the hotlist's crypto input); the listed BTC and ETH
        carry the feed's own last prices. None when SIM runs without it."""
        if self.perpetuals is None:
            return None
        with self.lock:
            frame = self.perpetuals.step(datetime.now(timezone.utc))
            ticks = self.venue.ticks if self.venue else {}
            for row, vt_symbol in enumerate(frame.vt_symbols):
                tick = ticks.get(vt_symbol)
                if tick is not None and tick.last_price:
                    frame.last[row] = tick.last_price
        return frame

    # --- the synthetic whole market ----------------------------------------------------------
    def subscribe_whole_market(self) -> None:
        """Whole-market snapshots every `market_interval` seconds (when `whole_market` is on)."""
        if self.market is None or not self.autostart or (self.market_thread and self.market_thread.is_alive()):
            return
        self.market_thread = threading.Thread(target=self._run_market, name=f"{self.gateway_name}-market",
                                              daemon=True)
        self.market_thread.start()

    def _run_market(self) -> None:
        while not self.stop_event.wait(self.market_interval):
            self.step_market(datetime.now(CHINA_TZ))

    def step_market(self, now: datetime) -> None:
        """One whole-market snapshot; symbols someone subscribed to also get a tick, which the
        venue matches orders against."""
        frame, prints = self.market.step(now)
        self.on_event(EVENT_MARKET_SNAPSHOT, MarketSnapshot(self.gateway_name, frame))
        if prints:
            self.on_event(EVENT_LEVEL2_TRADES, Level2Trades(self.gateway_name, prints))
        for row in sorted(self.market_watch):
            self.push_tick(market_tick(self.market, frame, row))

    # --- trading ------------------------------------------------------------------------
    def subscribe(self, req: SubscribeRequest) -> None:
        """The listed instruments are always streamed; a whole-market symbol or one of the
        perpetual universe from now on."""
        if self.market is not None and req.vt_symbol in self.market.rows:
            self.market_watch.add(self.market.rows[req.vt_symbol])
        listed = {f"{i.symbol}.{i.exchange.value}" for i in DEFAULT_INSTRUMENTS}
        if self.perpetuals is not None and req.vt_symbol in self.perpetuals.vt_symbols and req.vt_symbol not in listed:
            contract = self.venue.contracts.get(req.vt_symbol) if self.venue else None
            self.perpetual_watch[req.vt_symbol] = contract.name if contract else req.vt_symbol

    def send_order(self, req: OrderRequest) -> str:
        if self.venue is None:
            return ""
        with self.lock:
            order, changes = self.venue.submit(req, datetime.now(CHINA_TZ))
            self._publish(changes)
        return order.vt_orderid

    def cancel_order(self, req: CancelRequest) -> None:
        if self.venue is None:
            return
        with self.lock:
            changes = self.venue.cancel(f"{self.gateway_name}.{req.orderid}")
            self._publish(changes)

    def query_account(self) -> None:
        if self.venue:
            for currency in self.venue.ledger.cash:
                self.on_account(self.venue.account_data(currency))

    def query_position(self) -> None:
        if self.venue:
            held = set(self.venue.ledger.stocks) | set(self.venue.ledger.perps)
            for vt_symbol in sorted(held):
                self.on_position(self.venue.position_data(vt_symbol))

    def query_orders(self) -> list[OrderData]:
        return list(self.venue.orders.values()) if self.venue else []

    def query_trades(self) -> list[TradeData]:
        return list(self.venue.trades) if self.venue else []

    def query_history(self, req: HistoryRequest) -> list[BarData]:
        return get_database().load_bar_data(req.symbol, req.exchange, req.interval, req.start, req.end)

    # --- internals ------------------------------------------------------------------------
    def on_event(self, type: str, data: object = None) -> None:
        if self._group is not None and self._group_thread == threading.get_ident():
            self._group.append(Event(type, data))
        else:
            super().on_event(type, data)

    def _publish_group(self, emit) -> None:
        """Run `emit` (which calls on_order, on_trade, ...) and put what it emitted as one group.
        Called with the lock held, so groups reach the queue in the order the venue made them."""
        self._group, self._group_thread = [], threading.get_ident()
        try:
            emit()
        finally:
            group, self._group = self._group, None
        put_group = getattr(self.event_engine, "put_group", None)
        if put_group is None:
            for event in group:
                self.event_engine.put(event)
        else:
            put_group(group)

    def _publish(self, changes: Changes) -> None:
        self._publish_group(lambda: self._emit(changes))

    def _emit_book(self) -> None:
        for order in self.venue.orders.values():
            self.on_order(order)
        for trade in self.venue.trades:
            self.on_trade(trade)

    def _emit(self, changes: Changes) -> None:
        for order in changes.orders:
            self.on_order(order)
        for trade in changes.trades:
            self.on_trade(trade)
        for vt_symbol in sorted(changes.positions):
            self.on_position(self.venue.position_data(vt_symbol))
        for currency in sorted(changes.currencies):
            self.on_account(self.venue.account_data(currency))
        for message in changes.logs:
            self.write_log(message)
        for flow in changes.flows:
            self.on_event(EVENT_CASH_FLOW, flow)
        if changes.touched_book:
            self.on_event(EVENT_VENUE_STATE, VenueSnapshot(self.gateway_name, self.venue.snapshot()))

    def _restore(self) -> bool:
        row = VenueState.get_or_none(VenueState.name == self.gateway_name)
        today = datetime.now(CHINA_TZ).date()
        restored = False
        if row is not None:
            try:
                self._restore_from(row.payload)
                restored = True
            except (KeyError, ValueError, TypeError) as error:
                self.write_log(tr("模拟账户存档无法读取（{error}），已使用新账户；历史委托与成交仍在交易日志中",
                                  error=error))
        self.venue.continue_ids_after(*max_ids(self.gateway_name, f"{today:%y%m%d}"), today)
        return restored

    def _restore_from(self, payload: str) -> None:
        data = json.loads(payload)
        day = data.get("trading_day")
        since = datetime.combine(datetime.fromisoformat(day).date() if day else datetime.now(CHINA_TZ).date(),
                                 time.min, CHINA_TZ)
        orders, trades = book_since(self.gateway_name, since)
        for item in orders + trades:
            item.datetime = item.datetime.astimezone(CHINA_TZ) if item.datetime else None
        self.venue.restore(data, orders, trades)
