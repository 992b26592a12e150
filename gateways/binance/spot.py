"""Binance spot: contracts, books, orders, the user stream and its gap-fill. One part of
BinanceGateway; coroutines run on the gateway's asyncio thread. The same rules as futures hold:
orders only move forward, fills count once by trade id, an unanswered send is looked up by its
client id and never resent, and after the user stream drops nothing is called connected until
open orders, fills since the last one seen and balances have been read back."""

from __future__ import annotations

from vnpy.trader.object import ContractData

from lianghua_app.i18n import tr
from lianghua_app.markets import crypto

from . import mapping as m
from . import spot_mapping as sm
from .spot_client import SpotClient


class BinanceSpot:
    spot_client: SpotClient | None
    spot_ready: bool

    async def _load_spot_contracts(self) -> None:
        """Spot symbols beside the perpetuals; a failure leaves futures running and says so."""
        try:
            rows = await self.spot_client.exchange_info()
        except Exception as error:
            client, self.spot_client = self.spot_client, None
            await client.close()
            self.write_log(tr("读取币安现货交易对失败，现货不可用：{error}", error=m.error_reason(str(error))))
            return
        specs = self._list_contracts(rows, sm.spec_from_spot, sm.contract_from_spot)
        crypto.register_specs(specs)
        self.write_log(tr("币安现货交易对读取完成：{count}个", count=len(specs)))

    def spot_assets(self, symbol: str) -> tuple[str, str]:
        with self.lock:
            contract: ContractData | None = self.contracts.get(symbol)
        extra = contract.extra if contract else {}
        return extra.get("base", ""), extra.get("quote", "USDT")

    # --- market data ------------------------------------------------------------------------------
    async def _watch_spot_symbol(self, symbol: str) -> None:
        venue_id = sm.binance_id(symbol)
        await self._loop_stream(f"book:{symbol}", lambda: self.spot_client.watch_book(venue_id),
                                lambda book: self._on_book(symbol, *book))

    async def _watch_spot_ticker(self, symbol: str) -> None:
        venue_id = sm.binance_id(symbol)

        def handle(row: dict) -> None:
            with self.lock:
                self.last[symbol] = row
            self._emit_tick(symbol)
        await self._loop_stream(f"ticker:{symbol}", lambda: self.spot_client.watch_ticker(venue_id), handle)

    # --- orders -----------------------------------------------------------------------------------
    async def _send_spot(self, symbol: str, orderid: str, plan: m.OrderPlan) -> None:
        try:
            info = await self.spot_client.create_order(sm.binance_id(symbol), plan)
        except Exception as error:
            await self._unanswered(orderid, error)
            return
        self._apply_state(sm.order_from_spot_rest(info))

    async def _cancel_spot(self, symbol: str, orderid: str) -> None:
        try:
            info = await self.spot_client.cancel_order(sm.binance_id(symbol), orderid)
        except Exception as error:
            self.write_log(tr("撤单{orderid}失败：{error}", orderid=orderid, error=m.error_reason(str(error))))
            await self._look_up(orderid)
            return
        if "status" in info:
            self._apply_state(sm.order_from_spot_rest(info))

    async def _cancel_all_spot(self, symbol: str) -> None:
        try:
            await self.spot_client.cancel_all(sm.binance_id(symbol))
        except Exception as error:
            self.write_log(tr("全部撤单{symbol}失败：{error}", symbol=symbol, error=m.error_reason(str(error))))

    # --- the user stream --------------------------------------------------------------------------
    def _on_spot_order_updates(self, updates: list[dict]) -> None:
        for o in updates:
            self._apply_state(sm.order_from_report(o))

    def _on_spot_trade_updates(self, updates: list[dict]) -> None:
        for o in updates:
            symbol = sm.spot_symbol(o.get("s", ""))
            self._apply_trade(sm.trade_from_report(o, self.gateway_name, self.spot_assets(symbol)),
                              int(o.get("T") or 0))

    def _on_spot_account_update(self, update: dict) -> None:
        if update.get("e") == "outboundAccountPosition":
            self._show_balances(sm.balance_rows(update))

    def _show_balances(self, rows: list[tuple[str, float, float]]) -> None:
        for account in sm.spot_accounts(rows, self.gateway_name):
            self.on_account(account)
        with self.lock:
            listed = {s for s in self.contracts if sm.is_spot(s)}
        for position in sm.spot_holdings(rows, listed, self.gateway_name):
            self.on_position(position)

    async def _spot_gap_fill(self, seen: dict[str, int]) -> None:
        """Open orders (every symbol), the final state of our orders no longer open, fills since
        the newest one seen, then balances."""
        open_ids = set()
        for row in await self.spot_client.open_orders():
            state = sm.order_from_spot_rest(row)
            open_ids.add(state.orderid)
            self._apply_state(state)
        with self.lock:
            closed = [o.orderid for o in self.book.active() if sm.is_spot(o.symbol) and o.orderid not in open_ids]
        for orderid in closed:
            await self._look_up(orderid)
        with self.lock:
            since = {s: seen.get(s, self.started_ms) for s in self.book.symbols() if sm.is_spot(s)}
            venue = dict(self.book.venue_ids)
        for symbol, start in since.items():
            for row in await self.spot_client.trades_since(sm.binance_id(symbol), start):
                orderid = venue.get(sm.venue_order_id(row.get("orderId"))) or f"binance{row.get('orderId')}"
                self._apply_trade(sm.trade_from_spot_rest(row, orderid, self.gateway_name, self.spot_assets(symbol)),
                                  int(row.get("time") or 0))
        await self._read_spot_account()

    async def _read_spot_account(self) -> bool:
        try:
            account = await self.spot_client.account()
        except Exception as error:
            self.write_log(tr("读取币安现货账户失败：{error}", error=m.error_reason(str(error))))
            return False
        fees = sm.account_fees(account)
        if fees is not None:
            self._apply_spot_fees(fees)
        self._show_balances(sm.balance_rows(account))
        return True

    def _apply_spot_fees(self, fees: tuple[float, float]) -> None:
        specs = []
        with self.lock:
            for contract in self.contracts.values():
                spec = contract.extra["spec"]
                if sm.is_spot(contract.symbol) and (spec.maker_fee, spec.taker_fee) != fees:
                    contract.extra["spec"] = spec = crypto.PerpSpec(**{**vars(spec), "maker_fee": fees[0],
                                                                         "taker_fee": fees[1]})
                    specs.append(spec)
        crypto.register_specs(specs)

    def _set_spot_state(self, ready: bool, message: str = "", quiet: bool = False) -> None:
        self.spot_ready = ready
        if not quiet:
            default = tr("币安现货已连接") if ready else tr("币安现货补齐中：正在核对委托、成交与余额")
            self.write_log(message or default)
