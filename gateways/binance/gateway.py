"""BinanceGateway: orchestration only: the asyncio thread, connect, status and close. Market data
is in market_data.py, trading and the user stream in trading.py, id bookkeeping in orders.py,
mapping in mapping.py, ccxt in client.py.

Threads: one asyncio loop thread runs every ccxt call and stream; it only converts and emits
vnpy events. Calls from other threads (send_order, subscribe, ...) hand coroutines to it.

States: 连接中 → 补齐中 (the user stream is open, open orders, fills, positions and balances are
being read back) → 已连接; any user-stream drop goes back to 补齐中. Market data works without a key."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from typing import Any

from vnpy.event import EventEngine
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.gateway import BaseGateway
from vnpy.trader.object import ContractData, PositionData

from lianghua_app.events import EVENT_GATEWAY_STATUS, GatewayStatus
from lianghua_app.i18n import tr
from lianghua_app.markets import crypto
from lianghua_app.storage.contract_specs import save_specs

from . import mapping as m
from .client import SERVERS, BinanceClient, http_status, is_network
from .market_data import BinanceMarketData
from .orders import OrderBook
from .spot import BinanceSpot
from .spot_client import SpotClient
from .spot_mapping import is_spot
from .trading import BinanceTrading

STATE_WORDS = {"连接中": "正在连接币安……", "补齐中": "币安补齐中：正在核对委托、成交、持仓与资金",
               "已连接": "币安已连接", "行情": "币安行情已连接（未填写API Key，仅行情）", "已断开": "币安已断开"}


class BinanceGateway(BinanceMarketData, BinanceTrading, BinanceSpot, BaseGateway):
    default_name = "BINANCE"
    default_setting: dict[str, Any] = {
        "api_key": "",
        "secret": "",            # HMAC secret, or an Ed25519 private key in PEM form
        "server": ["REAL", "TESTNET", "DEMO"],
        "proxy": "",
        "position_mode": ["keep", "one-way", "hedge"],
    }
    exchanges = [Exchange.GLOBAL]
    download_intervals = (Interval.MINUTE, Interval.HOUR, Interval.DAILY)

    def __init__(self, event_engine: EventEngine, gateway_name: str = "BINANCE") -> None:
        super().__init__(event_engine, gateway_name)
        self.lock = threading.RLock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"{gateway_name}-loop", daemon=True)
        self.client: BinanceClient | None = None
        self.spot_client: SpotClient | None = None
        self.spot_ready = False
        self.setting: dict[str, Any] = {}
        self.tasks: set[asyncio.Future] = set()
        self.contracts: dict[str, ContractData] = {}
        self.subscribed: set[str] = set()
        self.books: dict[str, tuple[list, list]] = {}
        self.last: dict[str, dict] = {}
        self.marks: dict[str, dict] = {}
        self.open_interest: dict[str, float] = {}
        self.weight_paused = False
        self.weight_pauses = 0          # open-interest polls skipped for the IP's weight
        self.positions: dict[str, PositionData] = {}
        self.book = OrderBook()
        self.hedge_mode = False
        self.closing = False
        self.data_ready = False
        self.trading_ready = False
        self.state_text = tr("未连接")
        self.account_queued = False
        self.filled_once = False
        self.funding_seen: set[str] = set()
        self.fee_default: dict | None = None        # the key's fee rate, known once the account answered
        now = datetime.now(timezone.utc)
        self.started_ms = int(now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
        self.order_prefix = now.strftime("%y%m%d%H%M%S")
        self.order_count = itertools.count(1)

    @property
    def connected(self) -> bool:
        """Trading is live and consistent (the journal reconciles only then)."""
        return self.trading_ready

    # --- the loop ----------------------------------------------------------------------------------
    def submit(self, coroutine: Coroutine) -> None:
        if self.closing:
            coroutine.close()
            return
        future = asyncio.run_coroutine_threadsafe(self._guarded(coroutine), self.loop)
        self.tasks.add(future)
        future.add_done_callback(self.tasks.discard)

    def run(self, coroutine: Coroutine, timeout: float) -> Any:
        """Run on the loop and wait (from another thread): history downloads."""
        if not self.data_ready:
            coroutine.close()
            raise RuntimeError(tr("币安未连接，无法下载历史数据；请先连接币安（没有API Key也可以）"))
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _guarded(self, coroutine: Coroutine) -> None:
        """Loop jobs report failures in words instead of dying silently in a task."""
        try:
            await coroutine
        except asyncio.CancelledError:
            pass
        except Exception as error:
            self.write_log(tr("币安接口出错：{error}", error=m.error_reason(str(error))))

    # --- connection ------------------------------------------------------------------------------
    def connect(self, setting: dict) -> None:
        """Returns at once; progress and failures arrive as log lines and status events."""
        if self.closing:
            return self.write_log(tr("币安接口已关闭，请重启程序后再连接"))
        if self.client is not None:
            return self.write_log(tr("币安接口已在连接中"))
        self.setting = {**{k: (v[0] if isinstance(v, list) else v) for k, v in self.default_setting.items()},
                        **setting}
        if not self.thread.is_alive():
            self.thread.start()
        self.submit(self._connect())

    async def _connect(self) -> None:
        self._set_state("连接中")
        server = SERVERS.get(str(self.setting["server"]))
        if server is None:
            return self._set_state("已断开", tr("未知的币安服务器“{name}”；可用：{known}", name=self.setting["server"],
                                                known="、".join(SERVERS)))
        key, secret = str(self.setting.get("api_key") or "").strip(), str(self.setting.get("secret") or "").strip()
        if key and not secret:
            return self._set_state("已断开", tr("填写了API Key但没有Secret（或Ed25519私钥），请补全后再连接"))
        proxy = str(self.setting.get("proxy") or "").strip()
        try:
            m.proxy_attributes(proxy)
        except ValueError as error:
            return self._set_state("已断开", str(error))
        timeout_ms = int(float(self.setting.get("timeout", 10)) * 1000)
        wire = (server, key, secret, proxy, timeout_ms)
        self.client = BinanceClient(*wire)
        self.spot_client = SpotClient(*wire) if self.setting.get("spot", True) else None
        if not await self._load_contracts():
            return
        if self.spot_client is not None:
            await self._load_spot_contracts()
        self.data_ready = True
        self._start(self._watch_market())
        for symbol in sorted(self.subscribed):
            self._start_symbol(symbol)
        if not key:
            return self._set_state("行情")
        futures = await self._check_account()
        # A key may trade spot without futures permission (or the other way round): each market
        # trades when its own account answers.
        if self.spot_client is not None and await self._read_spot_account():
            self._start(self._watch_user(spot=True))
        if futures:
            self._set_state("补齐中")
            self._start(self._watch_user())

    def _start(self, coroutine: Coroutine) -> None:
        task = asyncio.ensure_future(self._guarded(coroutine))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _load_contracts(self) -> bool:
        for attempt in itertools.count(1):
            try:
                rows = await self.client.exchange_info()
                break
            except Exception as error:
                status = http_status(error)
                if status == 418 or not is_network(error) or self.closing:
                    self._set_state("已断开", tr("读取币安合约失败：{error}", error=m.error_reason(str(error), status)))
                    return False
                if attempt == 1 or attempt % 10 == 0:
                    reason = m.error_reason(str(error), status)
                    if proxy := self.setting.get("proxy", "").strip():
                        reason += tr("；经代理 {host}，请确认代理已开启", host=m.proxy_host(proxy))
                    self.write_log(tr("连接币安失败（{error}），稍后重试", error=reason))
                await asyncio.sleep(min(2 ** attempt, 60))
        specs = self._list_contracts(rows, m.spec_from_symbol, m.contract_from_spec)
        await self._apply_terms({}, {}, None)
        try:        # the mark stream pushes every few seconds; until then a stop must know the mark
            self._on_marks([m.mark_from_rest(row) for row in await self.client.premium_index()])
        except Exception as error:
            self.write_log(tr("读取币安标记价格失败（{error}），等待行情推送", error=m.error_reason(str(error))))
        tradfi = sum(1 for c in self.contracts.values() if c.extra.get("tradfi"))
        self.write_log(tr("币安合约读取完成：{count}个U本位永续（其中TradFi {tradfi}个）", count=len(specs),
                          tradfi=tradfi))
        return True

    def _list_contracts(self, rows: list[dict], spec_of: Callable, contract_of: Callable) -> list[crypto.PerpSpec]:
        """Each listed symbol's spec and contract, from exchangeInfo rows (None: not trading)."""
        specs = []
        for raw in rows:
            spec = spec_of(raw)
            if spec is None:
                continue
            specs.append(spec)
            contract = contract_of(spec, raw, self.gateway_name)
            with self.lock:
                self.contracts[spec.symbol] = contract
            self.on_contract(contract)
        return specs

    async def _check_account(self) -> bool:
        """The key's first signed calls: position mode and leverage brackets. A refused key
        leaves market data running and says why."""
        try:
            wanted = self.setting.get("position_mode", "keep")
            self.hedge_mode = await self.client.hedge_mode()
            if wanted != "keep" and (wanted == "hedge") != self.hedge_mode:
                await self.client.set_hedge_mode(wanted == "hedge")
                self.hedge_mode = wanted == "hedge"
            brackets = await self.client.leverage_brackets()
            # The key's fee rate (weight 20 a call): one crypto symbol's for all, then each
            # subscribed symbol's own (TradFi perpetuals are charged differently).
            with self.lock:
                subscribed = sorted(s for s in self.subscribed & set(self.contracts) if not is_spot(s))
                reference = "BTCUSDT" if "BTCUSDT" in self.contracts else next(iter(self.contracts))
            default = await self.client.commission(reference)
            fees = {symbol: await self.client.commission(symbol) for symbol in subscribed}
        except Exception as error:
            reason = m.error_reason(str(error), http_status(error))
            self._set_state("行情", tr("币安合约账户不可用，合约仅行情：{error}", error=reason) if self.spot_client
                            else tr("币安账户不可用，仅行情：{error}", error=reason))
            return False
        levels = {row.get("symbol"): row.get("brackets") or [] for row in brackets}
        await self._apply_terms(levels, fees, default)
        self.fee_default = default
        self.write_log(tr("币安持仓模式：{mode}", mode=tr("双向") if self.hedge_mode else tr("单向")))
        return True

    async def _symbol_fees(self, symbol: str) -> None:
        """A symbol subscribed after connecting: its own fee rate."""
        if self.fee_default is not None and symbol in self.contracts and not is_spot(symbol):
            await self._apply_terms({}, {symbol: await self.client.commission(symbol)}, None, [symbol])

    async def _apply_terms(self, levels: dict[str, list], fees: dict[str, dict], default: dict | None,
                           symbols: list[str] | None = None) -> None:
        """Leverage brackets and fee rates into each contract's spec, then to the market rules and
        the database (backtests in other processes read them there)."""
        specs = []
        with self.lock:
            for symbol in symbols if symbols is not None else [s for s in self.contracts if not is_spot(s)]:
                contract = self.contracts[symbol]
                spec = m.with_account_terms(contract.extra["spec"], levels.get(symbol, []), fees.get(symbol, default))
                contract.extra["spec"] = spec
                contract.extra["brackets"] = levels.get(symbol) or contract.extra.get("brackets", [])
                specs.append(spec)
        crypto.register_specs(specs)
        try:
            await asyncio.to_thread(save_specs, self.gateway_name, specs)
        except Exception as error:      # a read-only disk: trading goes on, backtests use defaults
            self.write_log(tr("币安合约规则未能保存（{error}）：其他进程的回测将使用默认规则", error=error))

    def _set_state(self, state: str, message: str = "", quiet: bool = False) -> None:
        self.state_text = tr(state)
        self.trading_ready = state == "已连接"
        words = message or tr(STATE_WORDS[state])
        if not quiet:
            self.write_log(words)
        self.on_event(EVENT_GATEWAY_STATUS, GatewayStatus(self.gateway_name, state in ("已连接", "行情"), words,
                                                          busy=state in ("连接中", "补齐中")))

    def close(self) -> None:
        if self.closing:
            return
        self.closing = True
        if self.thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
            except Exception as error:  # closing must not stop the application from exiting
                self.write_log(tr("关闭币安接口时出错：{error}", error=error))
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()

    async def _shutdown(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for client in (self.client, self.spot_client):
            if client is not None:
                await client.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:         # ccxt's own (its throttler) outlive close()
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if self.trading_ready or self.data_ready:
            self.data_ready = False
            self._set_state("已断开")
