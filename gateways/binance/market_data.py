"""Binance market data: 5-level books with mark price, index, funding and open interest for
subscribed symbols; the whole market's 24h tickers as one event per batch; klines and funding
history. One part of BinanceGateway (its loop, client, lock and caches); coroutines run on the
gateway's asyncio thread."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
from vnpy.trader.constant import Exchange, Interval
from vnpy.trader.object import BarData, HistoryRequest, SubscribeRequest, TickData

from lianghua_app.i18n import tr
from lianghua_app.quotes import CryptoFrame

from . import mapping as m
from .client import is_rate_limit
from .spot_mapping import binance_id, is_spot

EVENT_CRYPTO_TICKERS = "eLhCryptoTickers"
KLINE_INTERVALS = {Interval.MINUTE: ("1m", timedelta(minutes=1)), Interval.HOUR: ("1h", timedelta(hours=1)),
                   Interval.DAILY: ("1d", timedelta(days=1))}
KLINE_LIMIT = 1500
SPOT_KLINE_LIMIT = 1000


@dataclass(frozen=True)
class CryptoTicker:
    symbol: str
    last: float
    change_percent: float
    quote_volume: float


@dataclass(frozen=True)
class CryptoTickers:
    """One all-market push (Binance's !miniTicker@arr): every symbol whose 24h ticker changed,
    for the monitor and the hotlist."""
    gateway_name: str
    tickers: list[CryptoTicker]


OI_LIMIT = 500               # rows per openInterestHist page
WEIGHT_LIMIT = 2400          # REST request weight per IP per minute on USD-M futures
OI_WEIGHT_SHARE = 0.5        # open-interest polling stops above this share: orders and gap-fills come first


class BinanceMarketData:
    def subscribe(self, req: SubscribeRequest) -> None:
        with self.lock:
            if req.symbol in self.subscribed:
                return
            self.subscribed.add(req.symbol)
        if self.data_ready:
            self.loop.call_soon_threadsafe(self._start_symbol, req.symbol)
            self.submit(self._symbol_fees(req.symbol))

    def _start_symbol(self, symbol: str) -> None:
        """On the loop: a symbol's book (and, for spot, its ticker: futures tickers come with the
        whole market's)."""
        if not is_spot(symbol):
            return self._start(self._watch_symbol(symbol))
        if self.spot_client is None:
            return self.write_log(tr("币安现货不可用，无法订阅{symbol}", symbol=symbol))
        self._start(self._watch_spot_symbol(symbol))
        self._start(self._watch_spot_ticker(symbol))

    async def _watch_symbol(self, symbol: str) -> None:
        await self._loop_stream(f"book:{symbol}", lambda: self.client.watch_book(symbol),
                                lambda book: self._on_book(symbol, *book))

    async def _watch_market(self) -> None:
        """The whole market's tickers and mark prices (funding, index): one stream each."""
        await asyncio.gather(
            self._loop_stream("tickers", self.client.watch_all_tickers, self._on_tickers),
            self._loop_stream("marks", self.client.watch_all_marks, self._on_marks),
            self._poll_open_interest())

    async def _loop_stream(self, name: str, watch, handle) -> None:
        """Watch until the gateway closes; a failure is logged and the stream resubscribed (a
        book comes back from a fresh snapshot) with backoff."""
        failures = 0
        while not self.closing:
            try:
                handle(await watch())
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    self.write_log(tr("币安行情流{name}中断，正在重连：{error}", name=name,
                                      error=m.error_reason(str(error))))
                await asyncio.sleep(min(0.2 * 2 ** min(failures, 6), 10.0))

    def _on_book(self, symbol: str, bids: list, asks: list, nonce: int) -> None:
        with self.lock:
            self.books[symbol] = (bids, asks)
        self._emit_tick(symbol)

    def _on_tickers(self, rows: list[dict]) -> None:
        tickers = []
        with self.lock:
            for row in rows:
                symbol = row.get("s") or row.get("symbol")
                if symbol not in self.contracts:
                    continue
                self.last[symbol] = row
                tickers.append(CryptoTicker(symbol, *m.ticker_fields(row)))
        if tickers:
            self.on_event(EVENT_CRYPTO_TICKERS, CryptoTickers(self.gateway_name, tickers))

    def _on_marks(self, rows: list[dict]) -> None:
        with self.lock:
            for row in rows:
                symbol = row.get("s") or row.get("symbol")
                if symbol:
                    self.marks[symbol] = row

    async def _poll_open_interest(self) -> None:
        """Binance has no open-interest stream: poll the subscribed symbols, one request per
        symbol (weight 1) per `oi_interval` seconds, at most `oi_symbols` of them, and only while
        this IP's used weight (every answer's X-MBX-USED-WEIGHT-1M, other programs included) leaves
        trading its room."""
        while not self.closing:
            with self.lock:
                perpetuals = sorted(s for s in self.subscribed if not is_spot(s))
            symbols = perpetuals[: int(self.setting.get("oi_symbols", 50))]
            for symbol in symbols:
                if not self._weight_room():
                    break
                try:
                    row = await self.client.open_interest(symbol)
                except Exception as error:
                    rate_limited = is_rate_limit(error)
                    self.write_log(tr("读取{symbol}持仓量失败：{error}", symbol=symbol,
                                      error=m.error_reason(str(error))) +
                                   (tr("；持仓量轮询暂停一分钟") if rate_limited else ""))
                    if rate_limited:
                        await asyncio.sleep(60)
                    break
                with self.lock:
                    self.open_interest[symbol] = m.number(row.get("openInterest"))
            await asyncio.sleep(float(self.setting.get("oi_interval", 60)))

    def _weight_room(self) -> bool:
        used = self.client.used_weight()
        if used < OI_WEIGHT_SHARE * WEIGHT_LIMIT:
            self.weight_paused = False
            return True
        if not self.weight_paused:
            self.write_log(tr("币安请求权重已用{used}/{limit}（本机所有程序合计），持仓量轮询暂停，额度回落后继续",
                              used=used, limit=WEIGHT_LIMIT))
        self.weight_paused = True
        self.weight_pauses += 1
        return False

    def crypto_snapshot(self) -> CryptoFrame | None:
        """Every listed perpetual at once, for the hotlist (blocking: call off the GUI thread): the
        streamed tickers and marks, best bids and asks (weight 5), and open interest for the
        `oi_scan_symbols` busiest symbols as far as the IP's weight allows (NaN for the rest)."""
        if not self.data_ready:
            return None
        return self.run(self._crypto_snapshot(), timeout=300)

    async def _crypto_snapshot(self) -> CryptoFrame:
        books = {row["symbol"]: row for row in await self.client.book_tickers()}
        with self.lock:
            tickers = dict(self.last)
        if not tickers:
            tickers = {row["symbol"]: row for row in await self.client.tickers_24h()}
        with self.lock:
            contracts = [c for symbol, c in sorted(self.contracts.items()) if symbol in tickers]
            marks = dict(self.marks)
        fields = [m.ticker_fields(tickers[c.symbol]) for c in contracts]
        busiest = sorted(range(len(contracts)), key=lambda i: -fields[i][2])
        for i in busiest[: int(self.setting.get("oi_scan_symbols", 100))]:
            if not self._weight_room():
                break
            row = await self.client.open_interest(contracts[i].symbol)
            with self.lock:
                self.open_interest[contracts[i].symbol] = m.number(row.get("openInterest"))
        now = datetime.now(timezone.utc)
        with self.lock:
            oi = [self.open_interest.get(c.symbol, np.nan) for c in contracts]

        def column(values) -> np.ndarray:
            return np.array(list(values), dtype=np.float64)
        return CryptoFrame(
            now, [c.vt_symbol for c in contracts], column(f[0] for f in fields), column(f[2] for f in fields),
            column(f[1] for f in fields), column(m.number(marks.get(c.symbol, {}).get("r")) for c in contracts),
            column(oi), column(m.number(books.get(c.symbol, {}).get("bidPrice")) for c in contracts),
            column(m.number(books.get(c.symbol, {}).get("askPrice")) for c in contracts),
            column(c.pricetick for c in contracts),
            column((now.timestamp() * 1000 - c.extra.get("listed_ms", 0)) / 86_400_000 for c in contracts),
            np.array([bool(c.extra.get("tradfi")) for c in contracts]))

    def _emit_tick(self, symbol: str) -> None:
        with self.lock:
            contract = self.contracts.get(symbol)
            bids, asks = self.books.get(symbol, ([], []))
            last, mark = self.last.get(symbol, {}), self.marks.get(symbol, {})
            oi = self.open_interest.get(symbol, 0.0)
        now = datetime.now(timezone.utc)
        tick = TickData(symbol=symbol, exchange=Exchange.GLOBAL, datetime=now, name=contract.name if contract else "",
                        gateway_name=self.gateway_name, last_price=m.number(last.get("c")) or _mid(bids, asks),
                        volume=m.number(last.get("v")), turnover=m.number(last.get("q")), open_interest=oi,
                        open_price=m.number(last.get("o")), high_price=m.number(last.get("h")),
                        low_price=m.number(last.get("l")))
        for n, (price, qty) in enumerate(bids[:5], 1):
            setattr(tick, f"bid_price_{n}", float(price))
            setattr(tick, f"bid_volume_{n}", float(qty))
        for n, (price, qty) in enumerate(asks[:5], 1):
            setattr(tick, f"ask_price_{n}", float(price))
            setattr(tick, f"ask_volume_{n}", float(qty))
        tick.extra = {"mark_price": m.number(mark.get("p")), "index_price": m.number(mark.get("i")),
                      "funding_rate": m.number(mark.get("r")),
                      "next_funding_time": m.utc(mark.get("T")) if mark.get("T") else None}
        self.on_tick(tick)

    # --- history ----------------------------------------------------------------------------------
    def query_history(self, req: HistoryRequest) -> list[BarData]:
        """Klines from `req.start` to `req.end` in pages of 1,500 (blocking: call off the GUI thread)."""
        known = KLINE_INTERVALS.get(req.interval)
        if known is None:
            self.write_log(tr("币安K线不支持{interval}周期", interval=req.interval.value))
            return []
        name, step = known
        end = req.end or datetime.now(timezone.utc)
        return self.run(self._klines(req.symbol, req.interval, name, step, req.start, end), timeout=600)

    async def _klines(self, symbol: str, interval: Interval, name: str, step: timedelta, start: datetime,
                      end: datetime) -> list[BarData]:
        bars: list[BarData] = []
        cursor = int(start.timestamp() * 1000)
        stop = int(end.timestamp() * 1000)
        spot = is_spot(symbol)
        limit = SPOT_KLINE_LIMIT if spot else KLINE_LIMIT
        while cursor <= stop:
            rows = await (self.spot_client.klines(binance_id(symbol), name, cursor, limit) if spot
                          else self.client.klines(symbol, name, cursor, limit))
            rows = [r for r in rows if int(r[0]) <= stop]
            for row in rows:
                bars.append(BarData(symbol=symbol, exchange=Exchange.GLOBAL, datetime=m.utc(row[0]), interval=interval,
                                    open_price=float(row[1]), high_price=float(row[2]), low_price=float(row[3]),
                                    close_price=float(row[4]), volume=float(row[5]), turnover=float(row[7]),
                                    gateway_name=self.gateway_name))
            if len(rows) < limit:
                break
            cursor = int(rows[-1][0]) + int(step.total_seconds() * 1000)
        return bars

    def query_open_interest(self, symbol: str, start: datetime, end: datetime,
                            period: str = "5m") -> list[tuple[datetime, float, float]]:
        """Open interest (contracts, USDT value) per `period` from `start` to `end` (blocking).
        Binance keeps 30 days: earlier moments are not there and the log says so."""
        kept = datetime.now(timezone.utc) - timedelta(days=30)
        if start < kept:
            self.write_log(tr("币安只保留最近30天的持仓量历史，{symbol}从{start:%Y-%m-%d %H:%M}起", symbol=symbol,
                              start=kept))
        return self.run(self._open_interest_history(symbol, period, max(start, kept), end), timeout=600)

    async def _open_interest_history(self, symbol: str, period: str, start: datetime,
                                     end: datetime) -> list[tuple[datetime, float, float]]:
        rows: list[tuple[datetime, float, float]] = []
        cursor, stop = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
        while cursor <= stop:
            page = [r for r in await self.client.open_interest_history(symbol, period, cursor, OI_LIMIT)
                    if int(r["timestamp"]) <= stop]
            rows += [(m.utc(r["timestamp"]), m.number(r.get("sumOpenInterest")),
                      m.number(r.get("sumOpenInterestValue"))) for r in page]
            if len(page) < OI_LIMIT:
                break
            cursor = int(page[-1]["timestamp"]) + 1
        return rows

    def query_funding(self, symbol: str, start: datetime, end: datetime) -> list[tuple[datetime, float]] | None:
        """Funding rates (UTC) from `start` to `end` (blocking); None for spot, which has none."""
        if is_spot(symbol):
            return None
        return self.run(self._funding(symbol, start, end), timeout=600)

    async def _funding(self, symbol: str, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
        rates: list[tuple[datetime, float]] = []
        cursor, stop = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
        while cursor <= stop:
            rows = [r for r in await self.client.funding_history(symbol, cursor, 1000) if int(r["fundingTime"]) <= stop]
            rates += [(m.utc(r["fundingTime"]), float(r["fundingRate"])) for r in rows]
            if len(rows) < 1000:
                break
            cursor = int(rows[-1]["fundingTime"]) + 1
        return rates


def _mid(bids: list, asks: list) -> float:
    if bids and asks:
        return (float(bids[0][0]) + float(asks[0][0])) / 2
    return 0.0
