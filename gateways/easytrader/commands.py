"""`lianghua agent`: the trading agent beside the broker client (on the Windows computer that runs
it). It binds 127.0.0.1 unless `--host` names another address, and refuses any request not
signed with the profile's agent key. `--demo` runs it over a simulated broker client."""

from __future__ import annotations

import argparse
import sys
import time

from lianghua_app.commands import Command, CommandContext
from lianghua_app.i18n import tr


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", help="universal_client, ths, ht_client, gj_client, yh_client or miniqmt "
                                         "(default: the profile's setting)")
    parser.add_argument("--exe", help="the broker client's xiadan.exe (miniqmt: its userdata_mini folder)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this "
                                                            "computer only; another address must be named)")
    parser.add_argument("--port", type=int, default=1430)
    parser.add_argument("--demo", action="store_true", help="a simulated broker client instead of easytrader")
    parser.add_argument("--new-key", action="store_true", help="make a new agent key, keep it in the keyring and "
                                                               "print it once for the other computer")


def agent(args: argparse.Namespace, context: CommandContext) -> int:
    from lianghua_app.bootstrap import EASYTRADER_KEY
    from lianghua_app.secrets import SecretStoreError, get_secret, set_secret

    from .agent import Agent
    from .brokers import COMM_PASSWORD_KEY, PASSWORD_KEY, open_trader
    from .journal import OrderJournal
    from .mapping import MappingError, family_of
    from .server import LOCAL, AgentServer
    from .signing import Verifier, new_key

    settings, profile = context.store.current, context.data_dir.root.name
    try:
        if args.new_key:
            key = new_key()
            set_secret(profile, EASYTRADER_KEY, key)
            print(tr("新的代理密钥已存入系统钥匙串。在另一台电脑上运行 lianghua secret set {name} 并输入：",
                     name=EASYTRADER_KEY))
            print(key)
        key = get_secret(profile, EASYTRADER_KEY)
    except SecretStoreError as error:
        print(error, file=sys.stderr)
        return 2
    if not key:
        print(tr("没有代理密钥：运行 lianghua agent --new-key 生成，或 lianghua secret set {name}",
                 name=EASYTRADER_KEY), file=sys.stderr)
        return 2
    broker = args.broker or settings["easytrader.broker"]
    try:
        family = family_of(broker)
    except MappingError as error:
        print(error, file=sys.stderr)
        return 2
    context.data_dir.create()
    if args.demo:
        from .testing import FakeClientTrader

        trader = FakeClientTrader(context.data_dir.root / "agent_demo_broker.db")
    else:
        try:
            trader = open_trader(broker, args.exe or settings["easytrader.exe_path"], settings["easytrader.user"],
                                 get_secret(profile, PASSWORD_KEY) or "", get_secret(profile, COMM_PASSWORD_KEY) or "")
        except Exception as error:              # easytrader's own failures are many; say them all in words
            print(tr("无法打开券商客户端：{error}", error=error), file=sys.stderr)
            return 1
    journal = OrderJournal(context.data_dir.root / "agent_journal.db")
    engine = Agent(trader, journal, family, broker)
    for entry in engine.recover():
        print(tr("上次未确认的委托{key}：{state} {entrust} {reason}", key=entry.key, state=entry.state,
                 entrust=entry.entrust_no or "", reason=entry.reason))
    if args.host != LOCAL:
        print(tr("注意：代理监听 {host}，其他电脑可以连接（请求仍须签名）；请确保防火墙只放行工作站", host=args.host))
    server = AgentServer(engine, Verifier(key, remember=journal.remember_nonce), args.host, args.port).start()
    print(tr("交易代理已启动：{url}（{broker}），按 Ctrl+C 退出", url=server.url, broker=broker), flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        journal.close()
    return 0


COMMANDS = [Command("agent", "the trading agent beside a broker client (easytrader), signed requests only",
                    _arguments, agent)]
