"""One typed, validated settings file per profile. Secrets never go in it (see secrets.py)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .i18n import tr
from .textfiles import FileProblem, read_utf8

SECRET_WORDS = ("password", "secret", "api_key", "apikey", "token", "passphrase")


@dataclass(frozen=True)
class Field:
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()

    def allowed(self) -> str:
        if self.choices:
            return " | ".join(map(str, self.choices))
        if self.kind is bool:
            return "true | false"
        if self.minimum is not None or self.maximum is not None:
            return f"{self.kind.__name__} {self.minimum} .. {self.maximum}"
        return self.kind.__name__


SCHEMA: dict[str, Field] = {
    "language": Field(str, "zh_CN", "界面语言", choices=("zh_CN", "en")),
    "sim.enabled": Field(bool, True, "启动时连接模拟接口"),
    "sim.seed": Field(int, 20240601, "模拟行情随机种子", 0, 2**31 - 1),
    "sim.tick_interval": Field(float, 0.5, "模拟行情推送间隔（秒）", 0.05, 60),
    "sim.capital_cny": Field(float, 1_000_000.0, "模拟A股账户初始资金（元）", 1_000, 1e10),
    "sim.capital_usdt": Field(float, 100_000.0, "模拟合约账户初始资金（USDT）", 100, 1e10),
    "sim.leverage": Field(int, 5, "永续合约杠杆倍数（逐仓）", 1, 125),
    "sim.enforce_sessions": Field(bool, False, "模拟接口只在A股交易时段撮合"),
    "fees.commission_rate": Field(float, 0.00025, "A股佣金费率", 0, 0.003),
    "fees.min_commission": Field(float, 5.0, "A股单笔最低佣金（元）", 0, 100),
    "qmt.userdata_path": Field(str, "", "MiniQMT的userdata_mini文件夹"),
    "qmt.account_id": Field(str, "", "QMT资金账号"),
    "qmt.account_type": Field(str, "STOCK", "QMT账户类型", choices=("STOCK", "CREDIT")),
    "qmt.data_host": Field(str, "", "xtdata行情服务地址（留空为本机）"),
    "qmt.data_port": Field(int, 0, "xtdata行情服务端口（0为自动查找）", 0, 65535),
    "qmt.backend": Field(str, "xtquant", "QMT后端：xtquant为真实终端，demo为演示", choices=("xtquant", "demo")),
    "qmt.autoconnect": Field(bool, False, "启动时连接QMT"),
    "qmt.industry_prefix": Field(str, "SW1", "行业板块前缀：SW1为申万一级行业，也可填SW2、CSRC1等"),
    "qmt.level2": Field(bool, False, "订阅自选股的Level-2逐笔成交（需券商开通Level-2权限），用于大单预警"),
    "binance.server": Field(str, "REAL", "币安服务器：REAL为实盘，TESTNET为测试网，DEMO为模拟盘",
                            choices=("REAL", "TESTNET", "DEMO")),
    "binance.proxy": Field(str, "", "访问币安的代理（如 http://127.0.0.1:7890，留空不用代理）"),
    "binance.position_mode": Field(str, "keep", "币安持仓模式：keep为沿用账户现有设置",
                                   choices=("keep", "one-way", "hedge")),
    "binance.spot": Field(bool, True, "同时交易币安现货（交易对、余额与委托；代码如BTCUSDT_SPOT）"),
    "binance.autoconnect": Field(bool, False, "启动时连接币安"),
    "easytrader.agent_url": Field(str, "http://127.0.0.1:1430",
                                  "券商客户端交易代理的地址（代理在另一台电脑时填它的地址）"),
    "easytrader.broker": Field(str, "universal_client", "券商客户端类型（easytrader）",
                               choices=("universal_client", "ths", "ht_client", "gj_client", "yh_client", "miniqmt")),
    "easytrader.poll_seconds": Field(float, 3.0, "查询券商客户端资金、持仓与委托的间隔（秒；有未完成委托时每秒）",
                                     0.5, 60),
    "easytrader.exe_path": Field(str, "", "券商客户端程序路径（xiadan.exe；miniqmt为userdata_mini文件夹），代理用"),
    "easytrader.user": Field(str, "", "券商资金账号（代理登录用；密码存于系统钥匙串）"),
    "easytrader.autoconnect": Field(bool, False, "启动时连接券商客户端交易代理"),
    "easytrader.in_process": Field(bool, False,
                                   "在本程序内运行交易代理（Windows且已安装easytrader；不经网络，无需密钥）"),
    "easytrader.demo": Field(bool, False, "使用模拟的券商客户端（试用，不下真实委托）"),
    "strategies.folder": Field(str, "", "策略文件夹（留空为项目的 strategies/）"),
    "strategies.poll_seconds": Field(float, 1.0, "策略文件夹检查间隔（秒）", 0.2, 60),
    "strategies.import_seconds": Field(float, 10.0, "导入一个策略文件的时限（秒），超时视为死循环并放弃", 1, 600),
    "strategies.callback_seconds": Field(float, 5.0, "策略回调（on_tick等）的时限（秒），超时则停止该策略", 0.5, 600),
    "optimizer.workers": Field(int, 0, "参数优化的本机进程数（0为全部CPU核）", 0, 256),
    "notify.throttle_seconds": Field(float, 3.0, "同一推送渠道两次发送的最短间隔（秒）", 0, 3600),
    "notify.retries": Field(int, 4, "推送失败后的重试次数（间隔逐次加倍）", 0, 20),
    "notify.dingtalk.enabled": Field(bool, False, "推送到钉钉群机器人（地址与加签密钥存于系统钥匙串）"),
    "notify.wecom.enabled": Field(bool, False, "推送到企业微信群机器人（地址存于系统钥匙串）"),
    "notify.feishu.enabled": Field(bool, False, "推送到飞书群机器人（地址与签名密钥存于系统钥匙串）"),
    "notify.email.enabled": Field(bool, False, "用邮件推送预警（密码存于系统钥匙串）"),
    "notify.email.host": Field(str, "", "SMTP服务器"),
    "notify.email.port": Field(int, 465, "SMTP端口", 1, 65535),
    "notify.email.security": Field(str, "ssl", "SMTP加密方式", choices=("ssl", "starttls", "none")),
    "notify.email.user": Field(str, "", "SMTP用户名"),
    "notify.email.sender": Field(str, "", "发件人（留空为用户名）"),
    "notify.email.recipients": Field(str, "", "收件人，逗号分隔"),
    "sim.whole_market": Field(bool, True, "模拟接口提供约5000只A股的合成全市场行情（供监控演示）"),
    "sim.market_interval": Field(float, 3.0, "合成全市场快照间隔（秒）", 0.5, 60),
    "optimizer.dask_scheduler": Field(str, "", "Dask调度器地址，如 tcp://10.0.0.5:8786（留空为本机运行）"),
}


class SettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Settings:
    values: dict[str, Any] = field(default_factory=lambda: {k: f.default for k, f in SCHEMA.items()})

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def validate(raw: dict[str, Any]) -> Settings:
    """Every problem names the key, what is wrong and what is allowed."""
    problems: list[str] = []
    values = {k: f.default for k, f in SCHEMA.items()}
    for key, value in raw.items():
        if any(word in key.lower() for word in SECRET_WORDS):
            problems.append(tr("{key}: 密钥类信息不得写入设置文件，请用“lianghua secret set {key}”存入系统钥匙串",
                               key=key))
            continue
        spec = SCHEMA.get(key)
        if spec is None:
            problems.append(tr("{key}: 未知设置项；可用设置项：{known}", key=key, known=", ".join(SCHEMA)))
            continue
        problem = _check(key, value, spec)
        if problem:
            problems.append(problem)
        else:
            values[key] = spec.kind(value)
    if problems:
        raise SettingsError(problems)
    return Settings(values)


def _check(key: str, value: Any, spec: Field) -> str | None:
    # Only numbers and true/false are echoed: a text value may be a secret typed into the wrong key.
    shown = value if isinstance(value, (bool, int, float)) else tr("（{kind}类型的值）", kind=type(value).__name__)
    bad = tr("{key}: 值 {value} 无效，允许：{allowed}", key=key, value=shown, allowed=spec.allowed())
    if spec.kind is bool:
        return None if isinstance(value, bool) else bad
    if spec.kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return bad
        if not math.isfinite(value):
            return tr("{key}: 值 {value} 不是有限数字，允许：{allowed}", key=key, value=value, allowed=spec.allowed())
        if spec.kind is int and value != int(value):
            return bad
        if (spec.minimum is not None and value < spec.minimum) or (
                spec.maximum is not None and value > spec.maximum):
            return bad
        return None
    if not isinstance(value, spec.kind):
        return bad
    if spec.choices and value not in spec.choices:
        return bad
    return None


class SettingsStore:
    """Reads and writes `settings.json`; keeps the last good settings when a new one is bad."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.current = Settings()
        self.problems: list[str] = []

    def load(self) -> Settings:
        self.problems = []
        if not self.path.exists():
            return self.current
        try:
            raw = json.loads(read_utf8(self.path))
            if not isinstance(raw, dict):
                raise SettingsError([tr("设置文件须为JSON对象（键: 值）")])
            self.current = validate(raw)
        except FileProblem as error:
            self.problems = [str(error), tr("沿用上一次有效设置")]
        except json.JSONDecodeError as error:
            self.problems = [tr("设置文件{path}第{line}行JSON格式错误：{msg}；沿用上一次有效设置",
                                path=self.path, line=error.lineno, msg=error.msg)]
        except SettingsError as error:
            self.problems = error.problems + [tr("沿用上一次有效设置")]
        return self.current

    def update(self, changes: dict[str, Any]) -> Settings:
        """Validate then save; on error raise SettingsError and change nothing."""
        merged = {**self._file_values(), **changes}
        settings = validate(merged)
        self.path.write_text(json.dumps(merged, ensure_ascii=False, indent=2), encoding="utf-8")
        self.current = settings
        return settings

    def _file_values(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(read_utf8(self.path))
        except (json.JSONDecodeError, FileProblem):
            return {k: v for k, v in self.current.values.items() if v != SCHEMA[k].default}
        return raw if isinstance(raw, dict) else {}
