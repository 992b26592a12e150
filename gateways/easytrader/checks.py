"""What `lianghua check` asks about the broker-client path: whether easytrader is installed here
(only the agent's Windows computer needs it) and whether the profile's agent answers."""

from __future__ import annotations

from lianghua_app.i18n import tr


def _easytrader() -> str:
    try:
        import easytrader
    except ImportError as error:
        raise RuntimeError(tr("未安装easytrader（只有运行交易代理的Windows电脑需要：pip install easytrader）")) \
            from error
    return f"easytrader {getattr(easytrader, '__version__', '')}".strip()


def _agent(data_dir) -> str:
    from lianghua_app.bootstrap import EASYTRADER_KEY
    from lianghua_app.secrets import get_secret
    from lianghua_app.settings import SettingsStore

    from .client import AgentClient

    settings = SettingsStore(data_dir.settings_file).load()
    key = get_secret(data_dir.root.name, EASYTRADER_KEY)
    if not key:
        raise RuntimeError(tr("未设置交易代理密钥（lianghua secret set {name}）", name=EASYTRADER_KEY))
    health = AgentClient(settings["easytrader.agent_url"], key, read_timeout=5).get("/v1/health")
    return tr("{url} 可达（{broker}）", url=settings["easytrader.agent_url"], broker=health.get("broker", ""))


CHECKS = (("easytrader", False, _easytrader), ("easytrader agent", False, _agent))
