"""QMT market data (xtdata): quotes, the whole market, Level-2 transactions and history. One
part of QmtGateway: it uses the gateway's data client, lock, worker and contracts; trading is in
trading.py, the connection in gateway.py."""

from __future__ import annotations

from datetime import datetime

from vnpy.trader.constant import Exchange
from vnpy.trader.object import BarData, HistoryRequest, SubscribeRequest, TickData

from lianghua_app.events import EVENT_LEVEL2_TRADES, EVENT_MARKET_SNAPSHOT, Level2Trades, MarketSnapshot
from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ

from . import mapping as m


class QmtMarketData:
    def subscribe(self, req: SubscribeRequest) -> None:
        code = m.to_xt_code(req.symbol, req.exchange)
        with self.lock:
            if code in self.subscribed:
                return
            self.subscribed[code] = 0
        if self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_code, code)
        self._add_level2([code])

    def subscribe_level2(self, vt_symbols: list[str]) -> None:
        """Level-2 transactions (QMT's per-code `l2transaction`) for these symbols when the
        `level2` setting is on; they arrive as EVENT_LEVEL2_TRADES. Needs the broker's Level-2
        permission: without it QMT accepts the subscription and sends nothing. The list replaces
        the previous one: codes left out are unsubscribed, unless their quotes are subscribed."""
        codes = list(filter(None, map(m.xt_code_of, vt_symbols)))
        asked = set(codes)
        with self.lock:
            dropped = self.level2_asked - asked - self.subscribed.keys()
            self.level2_asked = asked
        if dropped:
            # On the worker, after any subscription of these codes still queued there.
            self.worker.submit(self._guarded, self._drop_level2, dropped)
        self._add_level2(codes)

    def _drop_level2(self, codes: set[str]) -> None:
        with self.lock:
            seqs = [self.level2.pop(code, 0) for code in codes if code not in self.level2_asked]
        if self.data_ready:
            for seq in seqs:
                self.data.unsubscribe(seq)

    def _add_level2(self, wanted: list[str]) -> None:
        if self.setting.get("level2") != "on":
            return
        codes = []
        with self.lock:
            for code in wanted:
                if code not in self.level2:
                    self.level2[code] = 0
                    codes.append(code)
        if codes and self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_level2_codes, codes)

    def _subscribe_level2_codes(self, codes: list[str]) -> None:
        for code in codes:
            self._subscribe_level2(code)
        self.write_log(tr("已订阅{count}只股票的逐笔成交（需Level-2权限，无权限时收不到数据）", count=len(codes)))

    def _subscribe_level2(self, code: str) -> None:
        seq = self.data.subscribe_transactions(code, self.handle_transactions)
        self._keep_seq(self.level2, code, seq, tr("逐笔成交"))

    def handle_transactions(self, payload: dict) -> None:
        trades = m.level2_trades(payload)
        if trades:
            self.on_event(EVENT_LEVEL2_TRADES, Level2Trades(self.gateway_name, trades))

    def _subscribe_code(self, code: str) -> None:
        seq = self.data.subscribe_quotes([code], self.handle_quotes)
        self._keep_seq(self.subscribed, code, seq, tr("行情"))

    def _keep_seq(self, table: dict[str, int], code: str, seq: int | None, what: str) -> None:
        """Remember a subscription's seq for unsubscribing; 0 (and a log line) when it failed."""
        if seq is None or seq <= 0:
            self.write_log(tr("订阅{code}{what}失败（返回{seq}）", code=code, what=what, seq=seq))
            seq = 0
        with self.lock:
            table[code] = seq

    def subscribe_whole_market(self) -> None:
        """Every QMT snapshot of SH, SZ and BJ arrives as one EVENT_MARKET_SNAPSHOT."""
        self.whole_market_seq = -1
        if self.data_ready:
            self.worker.submit(self._guarded, self._subscribe_whole_market)

    def _subscribe_whole_market(self) -> None:
        seq = self.data.subscribe_quotes(list(m.WHOLE_MARKETS), self.handle_snapshot)
        self.whole_market_seq = seq if seq and seq > 0 else -1

    def handle_quotes(self, payload: dict) -> None:
        for tick in self._ticks(payload):
            self.on_tick(tick)

    def handle_snapshot(self, payload: dict) -> None:
        with self.lock:
            frame = m.frame_from_quotes(payload, self.contracts)
        if frame is not None:
            self.on_event(EVENT_MARKET_SNAPSHOT, MarketSnapshot(self.gateway_name, frame))

    def _ticks(self, payload: dict) -> list[TickData]:
        ticks = []
        with self.lock:
            for code, data in m.iter_quotes(payload):
                contract = self.contracts.get(code)
                extra = contract.extra if contract else {}
                limits = (extra.get("limit_up", 0.0), extra.get("limit_down", 0.0))
                tick = m.tick_from_quote(code, data, self.gateway_name, contract.name if contract else "", limits,
                                         self.last_volume.get(code))
                if tick is not None:
                    self.last_volume[code] = tick.volume
                    ticks.append(tick)
        return ticks

    # --- history -------------------------------------------------------------------------------
    def query_history(self, req: HistoryRequest) -> list[BarData]:
        period = m.INTERVAL_PERIODS.get(req.interval)
        if period is None:
            self.write_log(tr("QMT不提供{interval}周期的K线", interval=req.interval.value))
            return []
        return self.fetch_bars(req.symbol, req.exchange, period, req.start, req.end or datetime.now(CHINA_TZ))

    def fetch_bars(self, symbol: str, exchange: Exchange, period: str, start: datetime,
                   end: datetime) -> list[BarData]:
        """Download into QMT's cache, then read: 1m, 5m, 1h, 1d or 1w bars, unadjusted, stamped
        with the bar's start like vnpy. Blocking: call it off the GUI and callback threads."""
        if not self.data_ready or self.data is None:
            raise RuntimeError(tr("QMT行情未连接，无法下载历史数据"))
        code = m.to_xt_code(symbol, exchange)
        first, last = m.xt_time(start), m.xt_time(end)
        return m.bars_from_rows(code, period, self.data.kline_rows(code, period, first, last), self.gateway_name)
