"""The instruments SIM lists by default: pure tables, no threads."""

from __future__ import annotations

from dataclasses import dataclass

from vnpy.trader.constant import Exchange, Product
from vnpy.trader.object import ContractData

from lianghua_app.markets import ashare, crypto

SIM_LABEL = "模拟"


@dataclass(frozen=True)
class SimInstrument:
    symbol: str
    exchange: Exchange
    name: str
    start_price: float
    volatility: float  # per-tick relative standard deviation


DEFAULT_INSTRUMENTS: tuple[SimInstrument, ...] = (
    SimInstrument("600519", Exchange.SSE, "贵州茅台", 1500.0, 0.0008),   # SSE main board
    SimInstrument("000001", Exchange.SZSE, "平安银行", 11.0, 0.0010),    # SZSE main board
    SimInstrument("300750", Exchange.SZSE, "宁德时代", 200.0, 0.0015),   # ChiNext
    SimInstrument("688981", Exchange.SSE, "中芯国际", 50.0, 0.0020),     # STAR
    SimInstrument("BTCUSDT", Exchange.GLOBAL, "BTC/USDT 永续", 60000.0, 0.0006),
    SimInstrument("ETHUSDT", Exchange.GLOBAL, "ETH/USDT 永续", 3000.0, 0.0008),
)


def display_name(name: str) -> str:
    """What every panel calls a SIM instrument: its contract name, quotes too."""
    return f"{SIM_LABEL}·{name}"


def make_contract(symbol: str, exchange: Exchange, name: str, gateway_name: str) -> ContractData:
    """A contract carrying its market's rules: tick, minimum lot, maximum per order."""
    if exchange is Exchange.GLOBAL:
        spec = crypto.PERPETUALS.get(symbol) or crypto.PerpSpec(symbol, name, 0.01, 0.001, 0.001, 5.0)
        return ContractData(symbol=symbol, exchange=exchange, name=name,
                            product=Product.FUTURES, size=1, pricetick=spec.tick, min_volume=spec.step,
                            net_position=True, history_data=True, gateway_name=gateway_name)
    lot = ashare.LOT_RULES[ashare.board_of(symbol)]
    return ContractData(symbol=symbol, exchange=exchange, name=name, product=Product.EQUITY,
                        size=1, pricetick=ashare.PRICE_TICK, min_volume=lot.minimum, max_volume=lot.maximum,
                        net_position=True, history_data=True, gateway_name=gateway_name)
