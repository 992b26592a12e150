"""Every request between the workstation and the agent is signed: HMAC-SHA256 over the method,
path, body, timestamp and a one-time nonce, with a key both sides hold in their OS keyring. The
agent refuses an unsigned, wrongly signed, stale or replayed request, and says which. Pure but for
the clock."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from lianghua_app.i18n import tr

HEADER_TIME, HEADER_NONCE, HEADER_SIGNATURE = "X-LH-Timestamp", "X-LH-Nonce", "X-LH-Signature"
WINDOW_SECONDS = 30             # how far apart the two clocks may be
KEY_NAME = "easytrader.agent_key"


def new_key() -> str:
    return secrets.token_urlsafe(32)


def signature(key: str, method: str, path: str, body: bytes, timestamp: str, nonce: str) -> str:
    message = b"\n".join([method.upper().encode(), path.encode(), body, timestamp.encode(), nonce.encode()])
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(key: str, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp, nonce = f"{time.time():.3f}", secrets.token_hex(16)
    return {HEADER_TIME: timestamp, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: signature(key, method, path, body, timestamp, nonce)}


class Verifier:
    """Remembers the nonces of the window, so a captured request cannot be sent again; given a
    `remember(nonce, at, keep_after) -> bool` (the agent's journal), also across a restart."""

    def __init__(self, key: str, window: float = WINDOW_SECONDS,
                 remember: Callable[[str, float, float], bool] | None = None) -> None:
        if not key:
            raise ValueError(tr("代理密钥为空：请先运行 lianghua secret set {name}", name=KEY_NAME))
        self.key, self.window = key, window
        self.seen: OrderedDict[str, float] = OrderedDict()
        self.remember = remember or self._remember_here

    def refusal(self, method: str, path: str, body: bytes, headers: dict, now: float | None = None) -> str | None:
        """None for a good request, else why it is refused (in words; never the key)."""
        timestamp, nonce, given = (headers.get(h) for h in (HEADER_TIME, HEADER_NONCE, HEADER_SIGNATURE))
        if not (timestamp and nonce and given):
            return tr("请求未签名")
        now = time.time() if now is None else now
        try:
            moment = float(timestamp)
        except ValueError:
            return tr("请求时间戳无效")
        if abs(now - moment) > self.window:
            return tr("请求已过期（两端时钟相差{seconds:.0f}秒，允许{window:.0f}秒）：请校准时钟", seconds=now - moment,
                      window=self.window)
        if not hmac.compare_digest(given, signature(self.key, method, path, body, timestamp, nonce)):
            return tr("签名不符：两端的代理密钥不一致")
        if not self.remember(nonce, now, now - 2 * self.window):
            return tr("重复的请求（重放）已拒绝")
        return None

    def _remember_here(self, nonce: str, at: float, keep_after: float) -> bool:
        while self.seen and next(iter(self.seen.values())) < keep_after:
            self.seen.popitem(last=False)
        if nonce in self.seen:
            return False
        self.seen[nonce] = at
        return True
