"""Opening the broker client through easytrader, the way each one needs (Windows only): the 同花顺
clients (`ths`) and miniqmt are connected to after the user logged in by hand (their `prepare`
fails: easytrader#432); 通用同花顺, 华泰, 国金 and 银河 log in with `prepare`. The password comes
from the OS keyring and goes no further than easytrader."""

from __future__ import annotations

from typing import Any

from lianghua_app.i18n import tr

CONNECTS = ("ths", "miniqmt")
PASSWORD_KEY, COMM_PASSWORD_KEY = "easytrader.password", "easytrader.comm_password"


def open_trader(broker: str, exe_path: str, user: str, password: str, comm_password: str = "") -> Any:
    try:
        import easytrader
    except ImportError as error:
        raise RuntimeError(tr("此电脑未安装easytrader：请在运行券商客户端的Windows电脑上 pip install easytrader")) \
            from error
    trader = easytrader.use(broker)
    if broker == "miniqmt":
        trader.connect(miniqmt_path=exe_path, stock_account=user)
    elif broker in CONNECTS:
        trader.connect(exe_path or None)
    else:
        if not user or not password:
            raise RuntimeError(tr("{broker}需要资金账号与密码：请在设置中填写资金账号，"
                                  "并运行 lianghua secret set {key}", broker=broker, key=PASSWORD_KEY))
        trader.prepare(user=user, password=password, exe_path=exe_path or None, comm_password=comm_password or None)
    return trader
