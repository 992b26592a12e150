"""SIM's synthetic whole market: about 5,300 A-shares across the main boards, ChiNext, STAR and
Beijing, in 30 industries, with a market factor, sector factors and a few hot names that run to
the limit, seal it and sometimes break it. Seeded, numpy throughout: one step prices every
symbol at once and yields a QuoteFrame, plus the occasional big Level-2 print."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from vnpy.trader.constant import Exchange
from vnpy.trader.object import ContractData, TickData

from lianghua_app.markets import ashare
from lianghua_app.quotes import Level2Trade, QuoteFrame

from .feed import fill_book
from .instruments import display_name, make_contract

INDUSTRIES = ("银行", "证券", "保险", "白酒", "食品饮料", "医药生物", "医疗器械", "半导体", "消费电子", "计算机",
              "通信", "传媒", "电力设备", "光伏", "新能源车", "汽车零部件", "有色金属", "煤炭", "钢铁", "基础化工",
              "建筑材料", "房地产", "机械设备", "国防军工", "家用电器", "农林牧渔", "交通运输", "商贸零售",
              "纺织服饰", "环保")
_SYLLABLES = "华中国金海天宏信达恒通泰瑞新嘉明东方远润科隆兴安德盛鑫源永康"
_SUFFIXES = ("股份", "科技", "集团", "电子", "实业", "控股", "医药", "智能")
# (first code, last code, how many, exchange): the boards' code ranges, sized like today's market.
CODE_PLAN = (
    (600000, 605999, 1700, Exchange.SSE), (688000, 689999, 570, Exchange.SSE),
    (1, 3999, 1500, Exchange.SZSE), (300001, 301999, 1300, Exchange.SZSE),
    (830000, 873999, 160, Exchange.BSE), (920000, 920999, 70, Exchange.BSE),
)
STEP_VOLATILITY = 0.0012        # idiosyncratic, per step
HOT_SHARE = 0.02                # names with a drift that carries them towards the limit


class SyntheticMarket:
    def __init__(self, seed: int, day: date, size_scale: float = 1.0) -> None:
        rng = self.rng = np.random.default_rng(seed)
        codes: list[tuple[str, Exchange]] = []
        for first, last, count, exchange in CODE_PLAN:
            chosen = np.sort(rng.choice(np.arange(first, last + 1), int(count * size_scale), replace=False))
            codes += [(f"{c:06d}", exchange) for c in chosen]
        n = len(codes)
        self.symbols = [c for c, _ in codes]
        self.exchanges = [e for _, e in codes]
        self.vt_symbols = [f"{c}.{e.value}" for c, e in codes]
        self.rows = {s: i for i, s in enumerate(self.vt_symbols)}
        st = rng.random(n) < 0.03
        self.names = [display_name(("ST" if s else "") + "".join(rng.choice(list(_SYLLABLES), 2))
                                   + _SUFFIXES[rng.integers(8)]) for s in st]
        self.industries = [INDUSTRIES[i] for i in rng.integers(len(INDUSTRIES), size=n)]
        self.sector_ids = np.array([INDUSTRIES.index(s) for s in self.industries])
        self.pre_close = np.round(np.exp(rng.normal(2.6, 0.7, n)), 2).clip(1.5, 1800)
        self.limit_down, self.limit_up = np.zeros(n), np.zeros(n)
        for i, code in enumerate(self.symbols):
            self.limit_down[i], self.limit_up[i] = ashare.price_limits(self.pre_close[i], ashare.board_of(code),
                                                                       bool(st[i]), day)
        self.hot = rng.random(n) < HOT_SHARE
        self.drift = np.where(self.hot, rng.uniform(0.0002, 0.0008, n), 0.0)
        opening = rng.normal(0.0, 0.015, n) + np.where(self.hot, 0.03, 0.0)
        self.last = self._clip(self.pre_close * (1 + opening))
        self.base_volume = rng.lognormal(8.0, 1.0, n).round(-2) + 100
        self.volume = self.base_volume * 20
        self.turnover = self.volume * self.last
        self.sealed = np.zeros(n, dtype=bool)

    def __len__(self) -> int:
        return len(self.vt_symbols)

    def _clip(self, price: np.ndarray) -> np.ndarray:
        return np.round(np.clip(price, self.limit_down, self.limit_up), 2)

    def step(self, now: datetime) -> tuple[QuoteFrame, list[Level2Trade]]:
        rng, n = self.rng, len(self)
        market = rng.normal(0, 0.0006)
        sectors = rng.normal(0, 0.0008, len(INDUSTRIES))[self.sector_ids]
        returns = market + sectors + self.drift + rng.normal(0, STEP_VOLATILITY, n)
        moving = ~self.sealed | (rng.random(n) < 0.02)              # a seal holds until it breaks
        price = np.where(moving, self._clip(self.last * (1 + returns)), self.last)
        at_up, at_down = price >= self.limit_up - 1e-9, price <= self.limit_down + 1e-9
        self.sealed = (at_up | at_down) & (rng.random(n) < 0.9)
        traded = (self.base_volume * (1 + 300 * np.abs(price / self.last - 1)) * rng.uniform(0.5, 1.5, n)).round(-2)
        self.last = price
        self.volume = self.volume + traded
        self.turnover = self.turnover + traded * price
        depth = (self.base_volume * rng.uniform(1, 5, n)).round(-2)
        seal = (self.base_volume * rng.uniform(50, 200, n)).round(-2)
        bid = np.where(self.sealed & at_down, 0.0, np.where(self.sealed & at_up, seal, depth))
        ask = np.where(self.sealed & at_up, 0.0, np.where(self.sealed & at_down, seal, depth))
        frame = QuoteFrame(now, self.vt_symbols, price.copy(), self.volume.copy(), self.turnover.copy(),
                           self.pre_close, self.limit_up, self.limit_down, bid, ask, names=self.names)
        return frame, self._big_prints(now, price)

    def _big_prints(self, now: datetime, price: np.ndarray) -> list[Level2Trade]:
        rows = np.flatnonzero(self.hot & (self.rng.random(len(self)) < 0.05))
        return [Level2Trade(self.vt_symbols[r], now, float(price[r]),
                            float(np.ceil(self.rng.uniform(1e6, 5e6) / price[r] / 100) * 100),
                            "B" if self.rng.random() < 0.7 else "S") for r in rows]


def market_contracts(market: SyntheticMarket, gateway_name: str) -> list[ContractData]:
    contracts = []
    for symbol, exchange, name, industry in zip(market.symbols, market.exchanges, market.names, market.industries,
                                                strict=True):
        contract = make_contract(symbol, exchange, name, gateway_name)
        contract.extra = {"sector": industry}
        contracts.append(contract)
    return contracts


def market_tick(market: SyntheticMarket, frame: QuoteFrame, row: int) -> TickData:
    """One symbol of a snapshot as a vnpy tick with five levels of depth."""
    price, limit_up, limit_down = float(frame.last[row]), float(frame.limit_up[row]), float(frame.limit_down[row])
    tick = TickData(gateway_name="", symbol=market.symbols[row], exchange=market.exchanges[row], datetime=frame.time,
                    name=market.names[row], volume=float(frame.volume[row]), turnover=float(frame.turnover[row]),
                    last_price=price, limit_up=limit_up, limit_down=limit_down,
                    pre_close=float(frame.pre_close[row]), open_price=float(frame.pre_close[row]))
    depth = float(max(frame.bid_volume[row], frame.ask_volume[row], 100.0))
    fill_book(tick, price, ashare.PRICE_TICK, lambda: depth, limit_up, limit_down)
    return tick
