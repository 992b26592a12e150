"""Builds a running TradingEngine for a profile: gateways, apps, SIM, reconciliation, jobs."""

from __future__ import annotations

from pathlib import Path

from vnpy.event import Event

from .engine import TradingEngine
from .events import EVENT_STRATEGY_FILES
from .i18n import tr
from .paths import DataDir
from .plugins import all_plugins
from .settings import Settings
from .strategies import StrategyRegistry


def build_engine(data_dir: DataDir, settings: Settings, connect_sim: bool | None = None) -> TradingEngine:
    """Everything the workstation needs, without any GUI."""
    engine = TradingEngine(data_dir, settings)
    try:
        _assemble(engine, settings, connect_sim)
    except BaseException:
        engine.close()  # its threads would otherwise keep the process alive
        raise
    return engine


def _assemble(engine: TradingEngine, settings: Settings, connect_sim: bool | None) -> None:
    folder = settings["strategies.folder"]
    engine.strategy_registry = StrategyRegistry(Path(folder).expanduser() if folder else None,
                                                import_seconds=settings["strategies.import_seconds"])
    for plugin in all_plugins():
        try:
            cls = plugin.load()
        except Exception as error:  # a broken plugin must not stop the workstation
            engine.write_log(tr("插件{name}加载失败：{error}", name=plugin.name, error=error))
            continue
        if plugin.kind == "gateway":
            engine.add_gateway(cls, plugin.name)
        else:
            engine.add_app(cls)
    engine.event_engine.register(EVENT_STRATEGY_FILES, lambda event: _apply_strategy_changes(engine, event))
    if settings["sim.enabled"] if connect_sim is None else connect_sim:
        connect_sim_gateway(engine)


def connect_sim_gateway(engine: TradingEngine, autostart: bool = True, whole_market: bool | None = None) -> None:
    s = engine.settings
    engine.connect({
        "seed": s["sim.seed"], "tick_interval": s["sim.tick_interval"], "capital_cny": s["sim.capital_cny"],
        "capital_usdt": s["sim.capital_usdt"], "leverage": s["sim.leverage"],
        "commission_rate": s["fees.commission_rate"], "min_commission": s["fees.min_commission"],
        "enforce_sessions": s["sim.enforce_sessions"], "autostart": autostart,
        "whole_market": s["sim.whole_market"] if whole_market is None else whole_market,
        "market_interval": s["sim.market_interval"],
    }, "SIM")


def connect_qmt_gateway(engine: TradingEngine, data_only: bool = False) -> None:
    """Connect QMT from the profile's settings; `data_only` skips the trading account."""
    s = engine.settings
    engine.connect({
        "userdata_path": s["qmt.userdata_path"],
        "account_id": s["qmt.account_id"],
        "account_type": s["qmt.account_type"], "data_host": s["qmt.data_host"], "data_port": s["qmt.data_port"],
        "backend": s["qmt.backend"], "data_only": data_only, "industry_prefix": s["qmt.industry_prefix"],
        "level2": "on" if s["qmt.level2"] else "off",
    }, "QMT")


BINANCE_KEY, BINANCE_SECRET = "binance.api_key", "binance.secret"


def connect_binance_gateway(engine: TradingEngine) -> None:
    """Connect Binance from the profile's settings, with the API key and secret (or Ed25519
    private key) read from the OS keyring; without them, market data only."""
    from .secrets import SecretStoreError, get_secret

    s, profile = engine.settings, engine.data_dir.root.name
    try:
        key, secret = get_secret(profile, BINANCE_KEY) or "", get_secret(profile, BINANCE_SECRET) or ""
    except SecretStoreError as error:
        engine.write_log(tr("读取币安密钥失败，仅连接行情：{error}", error=error), source="BINANCE")
        key = secret = ""
    engine.connect({"api_key": key, "secret": secret, "server": s["binance.server"], "proxy": s["binance.proxy"],
                    "position_mode": s["binance.position_mode"], "spot": s["binance.spot"]}, "BINANCE")


EASYTRADER_KEY = "easytrader.agent_key"


def connect_easytrader_gateway(engine: TradingEngine) -> None:
    """Connect the broker-client gateway to its agent, with the agent key from the OS keyring."""
    from .secrets import SecretStoreError, get_secret

    s, profile = engine.settings, engine.data_dir.root.name
    in_process = s["easytrader.in_process"] or s["easytrader.demo"]
    try:
        key = get_secret(profile, EASYTRADER_KEY) or ""
        password = get_secret(profile, "easytrader.password") or "" if in_process else ""
        comm_password = get_secret(profile, "easytrader.comm_password") or "" if in_process else ""
    except SecretStoreError as error:
        engine.write_log(tr("读取交易代理密钥失败：{error}", error=error), source="EASYTRADER")
        key = password = comm_password = ""
    engine.connect({"agent_url": s["easytrader.agent_url"], "agent_key": key, "broker": s["easytrader.broker"],
                    "poll_seconds": s["easytrader.poll_seconds"], "in_process": in_process,
                    "demo": s["easytrader.demo"], "exe_path": s["easytrader.exe_path"], "user": s["easytrader.user"],
                    "password": password, "comm_password": comm_password,
                    "journal_path": str(engine.data_dir.root / "agent_journal.db")}, "EASYTRADER")


def start_jobs(engine: TradingEngine) -> None:
    """Periodic work: the strategies folder and position refresh. The GUI and the CLI start it."""
    def poll_strategies() -> None:
        messages = engine.strategy_registry.poll()
        if messages:
            engine.event_engine.put(Event(EVENT_STRATEGY_FILES, messages))

    def refresh_positions() -> None:
        for gateway in list(engine.gateways.values()):
            if getattr(gateway, "connected", False):
                gateway.query_position()
                gateway.query_account()

    engine.scheduler.every(engine.settings["strategies.poll_seconds"], poll_strategies, "strategies")
    engine.scheduler.every(3, refresh_positions, "positions")
    engine.scheduler.start()


def _apply_strategy_changes(engine: TradingEngine, event: Event) -> None:
    cta = engine.engines.get("CtaStrategy")
    if cta is not None and hasattr(cta, "refresh_classes"):
        cta.refresh_classes()
    for message in event.data:
        engine.write_log(message, source="Strategies")

