from datetime import datetime, timezone

from lianghua_app.markets import crypto

BTC = crypto.PERPETUALS["BTCUSDT"]


def test_quantity_must_be_a_multiple_of_the_step():
    assert crypto.check_order(BTC, 60000.0, 0.0015) == "数量须为0.001的整数倍"


def test_order_below_minimum_notional_is_refused():
    assert "最小名义价值" in crypto.check_order(BTC, 60000.0, 0.001)
    assert crypto.check_order(BTC, 60000.0, 0.002) is None


def test_price_must_be_on_tick():
    assert "最小变动价位" in crypto.check_order(BTC, 60000.05, 0.01)


def test_longs_pay_funding_when_the_rate_is_positive():
    assert crypto.funding_payment(0.5, 60000.0, 0.0001) == 3.0
    assert crypto.funding_payment(-0.5, 60000.0, 0.0001) == -3.0


def test_funding_times_are_every_eight_hours_utc():
    assert crypto.next_funding_time(datetime(2024, 6, 3, 7, 59, tzinfo=timezone.utc)) == \
        datetime(2024, 6, 3, 8, 0, tzinfo=timezone.utc)
    assert crypto.next_funding_time(datetime(2024, 6, 3, 16, 0, tzinfo=timezone.utc)) == \
        datetime(2024, 6, 4, 0, 0, tzinfo=timezone.utc)


def test_a_venue_listed_spec_sets_the_filters_for_its_symbol():
    from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Product
    from vnpy.trader.object import ContractData, OrderRequest

    from lianghua_app.markets import validate_order

    crypto.register_specs([crypto.PerpSpec("SOLUSDT", "SOL/USDT 永续", tick=0.01, step=1.0, min_qty=1.0,
                                           min_notional=5.0)])
    contract = ContractData(symbol="SOLUSDT", exchange=Exchange.GLOBAL, name="SOL", product=Product.FUTURES,
                            size=1, pricetick=0.001, min_volume=0.001, gateway_name="BINANCE")
    req = OrderRequest("SOLUSDT", Exchange.GLOBAL, Direction.LONG, OrderType.LIMIT, 0.5, 150.0, Offset.OPEN)
    assert "数量" in validate_order(req, contract, None, 0.0, None)
    req.volume = 2.0
    assert validate_order(req, contract, None, 0.0, None) is None
