"""What a strategy may ask of LiangHua beyond vnpy's `CtaTemplate` (documented in README):

    from lianghua_app.strategy_api import set_leverage

    def on_init(self):
        set_leverage(self, 5, isolated=True)

Live, the call goes to the gateway of the strategy's symbol (Binance sets it on the exchange and
logs the answer). In a backtest the run's own leverage setting applies and the call says so."""

from __future__ import annotations

from vnpy_ctastrategy import CtaTemplate

from .i18n import tr


def set_leverage(strategy: CtaTemplate, leverage: int, isolated: bool | None = None) -> bool:
    """Ask the venue for `leverage` (and isolated or cross margin when given) on the strategy's
    symbol; False when nothing was asked (a backtest, a venue without the setting)."""
    main_engine = getattr(strategy.cta_engine, "main_engine", None)
    if main_engine is None:
        strategy.write_log(tr("回测中杠杆与保证金模式以回测设置为准，set_leverage未生效"))
        return False
    contract = main_engine.get_contract(strategy.vt_symbol)
    gateway = main_engine.get_gateway(contract.gateway_name) if contract else None
    if gateway is None or not hasattr(gateway, "set_leverage"):
        strategy.write_log(tr("{symbol}所在的接口不支持设置杠杆，set_leverage未生效", symbol=strategy.vt_symbol))
        return False
    gateway.set_leverage(contract.symbol, int(leverage))
    if isolated is not None and hasattr(gateway, "set_margin_type"):
        gateway.set_margin_type(contract.symbol, isolated)
    return True
