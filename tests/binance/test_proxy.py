"""A trader behind a local proxy (HTTP or SOCKS5, as Clash and v2rayN offer) reaches Binance through
it: REST, market streams, the user streams and the WebSocket API, futures and spot."""

from __future__ import annotations

import socket

import pytest
from vnpy.trader.constant import Exchange, Status
from vnpy.trader.event import EVENT_LOG
from vnpy.trader.object import SubscribeRequest

from lianghua_app.events import EVENT_GATEWAY_STATUS
from tests.binance.helpers import BTC, SPOT, collect, req, spot_req, status_of
from tests.binance.loopback_proxy import LoopbackProxy
from tests.helpers import settle


@pytest.fixture
def proxy():
    server = LoopbackProxy().start()
    yield server
    server.stop()


@pytest.fixture(params=["http", "socks5"])
def binance_extra(request, proxy):
    return {"proxy": f"{request.param}://127.0.0.1:{proxy.port}"}


def test_quotes_orders_and_both_user_streams_go_through_the_proxy(engine, exchange, proxy, binance):
    for symbol in ("BTCUSDT", "BTCUSDT_SPOT"):
        engine.subscribe(SubscribeRequest(symbol, Exchange.GLOBAL), "BINANCE")

    def quoted():           # a book arrives once it moves after the subscription
        exchange.set_book("BTCUSDT", 59900.0, 59900.1)
        exchange.set_spot_book("BTCUSDT", 61000.0, 61000.5)
        return engine.get_tick(BTC) and engine.get_tick(SPOT)
    settle(engine, quoted, 60)
    futures, spot = engine.send_order(req(price=59000.0), "BINANCE"), engine.send_order(spot_req(price=59000.0),
                                                                                         "BINANCE")
    settle(engine, lambda: status_of(engine, futures) is Status.NOTTRADED
           and status_of(engine, spot) is Status.NOTTRADED)

    fake = exchange.rest_url.split("//", 1)[1]
    assert {c.target for c in proxy.carried} == {fake}
    assert {c.protocol for c in proxy.carried} == {"http" if "http" in binance.setting["proxy"] else "socks5"}
    paths = {c.request.split(" ")[1].split("?")[0].rsplit("/", 1)[0] for c in proxy.carried if c.websocket}
    assert {"/market/ws", "/public/ws", "/private", "/ws-fapi", "/ws-api", "/stream/spot/ws"} <= paths
    first_requests = " ".join(c.request for c in proxy.carried if not c.websocket)
    assert "/fapi/v1/" in first_requests and "/api/v3/" in first_requests


@pytest.mark.parametrize("binance_extra", [{}])
def test_a_proxy_that_is_not_running_is_named_in_the_retry_message(engine, exchange, binance_setting):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    logs = collect(engine, EVENT_LOG)
    engine.connect({**binance_setting, "proxy": f"http://user:pass@127.0.0.1:{port}"}, "BINANCE")
    settle(engine, lambda: any("稍后重试" in log.msg for log in logs), 60)
    retry = next(log.msg for log in logs if "稍后重试" in log.msg)
    assert f"经代理 127.0.0.1:{port}" in retry and "user:pass" not in retry
    assert not engine.gateways["BINANCE"].data_ready


@pytest.mark.parametrize("binance_extra", [{}])
def test_a_proxy_setting_that_cannot_be_read_stops_the_connect_with_what_to_write(engine, exchange, binance_setting):
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    engine.connect({**binance_setting, "proxy": "ftp://127.0.0.1:21"}, "BINANCE")
    settle(engine, lambda: any("socks5://" in s.message for s in statuses), 60)
    assert engine.get_contract(BTC) is None
