"""What `lianghua check` asks about QMT: whether xtquant's native client loads on this machine."""

from __future__ import annotations

import sys

from lianghua_app.i18n import tr


def _xtquant() -> str:
    from .sdk import load_pure_modules, native_available

    load_pure_modules()
    ok, _ = native_available()
    if not ok:
        raise RuntimeError("xtquant native part not available on this OS" if sys.platform != "win32"
                           else tr("xtquant 原生模块无法加载，请确认安装了与 Python 匹配的 xtquant"))
    return "native client available"


CHECKS = (("QMT (xtquant)", False, _xtquant),)
