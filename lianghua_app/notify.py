"""Push channels for alerts: DingTalk, WeCom and Feishu group-robot webhooks (signed where the
service signs) and e-mail over SMTP. Each channel has its own thread and queue: a slow or
failing channel is retried with backoff and reported, and never holds up the others. Alerts
that arrive while a channel waits out its throttle go together in its next message."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from .i18n import tr
from .redact import redact

TIMEOUT = 10.0
MAX_LINES = 20          # per message; the rest wait for the next one


class DeliveryError(RuntimeError):
    pass


def _post_json(url: str, payload: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                     {"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(tr("HTTP {code} {reason}", code=error.code, reason=error.reason)) from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(tr("无法连接：{error}", error=getattr(error, "reason", error))) from error
    try:
        return json.loads(body or b"{}")
    except ValueError as error:
        raise DeliveryError(tr("服务返回的不是JSON：{body}", body=body[:200])) from error


def _hmac_base64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


class Channel:
    name = ""
    label = ""

    def send(self, title: str, body: str) -> None:
        raise NotImplementedError


class DingTalk(Channel):
    """Custom robot; with "加签" the URL carries `timestamp` (ms) and `sign` =
    base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    name, label = "dingtalk", "钉钉"

    def __init__(self, webhook: str, secret: str = "", clock: Callable[[], float] = time.time) -> None:
        self.webhook, self.secret, self.clock = webhook, secret, clock

    def url(self) -> str:
        if not self.secret:
            return self.webhook
        stamp = str(int(self.clock() * 1000))
        sign = _hmac_base64(self.secret.encode(), f"{stamp}\n{self.secret}".encode())
        joiner = "&" if "?" in self.webhook else "?"
        return f"{self.webhook}{joiner}timestamp={stamp}&sign={urllib.parse.quote_plus(sign)}"

    def send(self, title: str, body: str) -> None:
        reply = _post_json(self.url(), {"msgtype": "text", "text": {"content": f"{title}\n{body}"}})
        if reply.get("errcode", 0) != 0:
            raise DeliveryError(tr("钉钉拒绝：{code} {message}", code=reply.get("errcode"),
                                   message=reply.get("errmsg")))


class WeCom(Channel):
    """Group robot; the key in the URL is the only credential (WeCom does not sign)."""
    name, label = "wecom", "企业微信"

    def __init__(self, webhook: str) -> None:
        self.webhook = webhook

    def send(self, title: str, body: str) -> None:
        reply = _post_json(self.webhook, {"msgtype": "text", "text": {"content": f"{title}\n{body}"}})
        if reply.get("errcode", 0) != 0:
            raise DeliveryError(tr("企业微信拒绝：{code} {message}", code=reply.get("errcode"),
                                   message=reply.get("errmsg")))


class Feishu(Channel):
    """Custom bot; with signature verification the body carries `timestamp` (s) and `sign` =
    base64(HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message)."""
    name, label = "feishu", "飞书"

    def __init__(self, webhook: str, secret: str = "", clock: Callable[[], float] = time.time) -> None:
        self.webhook, self.secret, self.clock = webhook, secret, clock

    def payload(self, text: str) -> dict:
        payload: dict = {"msg_type": "text", "content": {"text": text}}
        if self.secret:
            stamp = str(int(self.clock()))
            payload.update(timestamp=stamp, sign=_hmac_base64(f"{stamp}\n{self.secret}".encode(), b""))
        return payload

    def send(self, title: str, body: str) -> None:
        reply = _post_json(self.webhook, self.payload(f"{title}\n{body}"))
        code = reply.get("code", reply.get("StatusCode", 0))
        if code != 0:
            raise DeliveryError(tr("飞书拒绝：{code} {message}", code=code, message=reply.get("msg")))


@dataclass(frozen=True)
class SmtpSetting:
    host: str
    port: int
    security: str           # "ssl", "starttls" or "none"
    user: str
    password: str
    sender: str
    recipients: tuple[str, ...]


class Email(Channel):
    name, label = "email", "邮件"

    def __init__(self, setting: SmtpSetting) -> None:
        self.setting = setting

    def send(self, title: str, body: str) -> None:
        s = self.setting
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = title, s.sender, ", ".join(s.recipients)
        message.set_content(body)
        try:
            if s.security == "ssl":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            with client:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.user:
                    client.login(s.user, s.password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(tr("邮件发送失败：{error}", error=error)) from error


Report = Callable[[str, list[int], str, int, str], None]
"""(channel, alert ids, status "sent" / "retrying" / "failed", attempts, error)"""


class ChannelWorker:
    """One channel's queue and thread: waits out the throttle, sends up to MAX_LINES alerts in one
    message, retries a failure after backoff * 2**n seconds, then reports it failed."""

    def __init__(self, channel: Channel, report: Report, throttle: float, retries: int, backoff: float) -> None:
        self.channel, self.report = channel, report
        self.throttle, self.retries, self.backoff = throttle, retries, backoff
        self.queue: deque[tuple[int, str]] = deque()
        self.wake = threading.Condition()
        self.stopped = False
        self.last_send = 0.0
        self.thread = threading.Thread(target=self._run, name=f"notify-{channel.name}", daemon=True)
        self.thread.start()

    def put(self, alert_id: int, line: str) -> None:
        with self.wake:
            self.queue.append((alert_id, line))
            self.wake.notify()

    def stop(self) -> None:
        with self.wake:
            self.stopped = True
            self.wake.notify()
        self.thread.join(timeout=TIMEOUT + 1)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; False when stopped."""
        deadline = time.monotonic() + seconds
        with self.wake:
            while not self.stopped and (left := deadline - time.monotonic()) > 0:
                self.wake.wait(left)
            return not self.stopped

    def _run(self) -> None:
        while True:
            with self.wake:
                while not self.queue and not self.stopped:
                    self.wake.wait()
                if self.stopped:
                    return
            if not self._wait(self.last_send + self.throttle - time.monotonic()):
                return
            with self.wake:
                batch = [self.queue.popleft() for _ in range(min(MAX_LINES, len(self.queue)))]
            self._deliver(batch)

    def _deliver(self, batch: list[tuple[int, str]]) -> None:
        ids = [alert_id for alert_id, _ in batch]
        title = tr("量化监控预警（{count}条）", count=len(batch))
        body = "\n".join(line for _, line in batch)
        for attempt in range(1, self.retries + 2):
            self.last_send = time.monotonic()
            try:
                self.channel.send(title, body)
            except DeliveryError as error:
                final = attempt > self.retries
                self.report(self.channel.name, ids, "failed" if final else "retrying", attempt, redact(str(error)))
                if final or not self._wait(self.backoff * 2 ** (attempt - 1)):
                    return
                continue
            self.report(self.channel.name, ids, "sent", attempt, "")
            return


class Notifier:
    def __init__(self, channels: list[Channel], report: Report, throttle: float = 3.0, retries: int = 4,
                 backoff: float = 2.0) -> None:
        self.workers = {c.name: ChannelWorker(c, report, throttle, retries, backoff) for c in channels}

    @property
    def channels(self) -> list[str]:
        return list(self.workers)

    def submit(self, alert_id: int, line: str) -> None:
        for worker in self.workers.values():
            worker.put(alert_id, line)

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()


SECRET_KEYS = {"dingtalk": ("notify.dingtalk.webhook", "notify.dingtalk.secret"),
               "wecom": ("notify.wecom.webhook",),
               "feishu": ("notify.feishu.webhook", "notify.feishu.secret"),
               "email": ("notify.email.password",)}


def channels_from_settings(settings, secret: Callable[[str], str | None]) -> tuple[list[Channel], list[str]]:
    """The enabled channels, with their credentials from the keyring; and what is missing."""
    channels: list[Channel] = []
    problems: list[str] = []

    def webhook(name: str, label: str) -> str | None:
        url = secret(f"notify.{name}.webhook") or ""
        if not url.startswith(("https://", "http://")):
            problems.append(tr("{label}推送已开启，但钥匙串中没有有效的 notify.{name}.webhook；请用 "
                               "lianghua secret set notify.{name}.webhook 填入机器人地址", label=label, name=name))
            return None
        return url

    if settings["notify.dingtalk.enabled"] and (url := webhook("dingtalk", DingTalk.label)):
        channels.append(DingTalk(url, secret("notify.dingtalk.secret") or ""))
    if settings["notify.wecom.enabled"] and (url := webhook("wecom", WeCom.label)):
        channels.append(WeCom(url))
    if settings["notify.feishu.enabled"] and (url := webhook("feishu", Feishu.label)):
        channels.append(Feishu(url, secret("notify.feishu.secret") or ""))
    if settings["notify.email.enabled"]:
        recipients = tuple(r.strip() for r in settings["notify.email.recipients"].split(",") if r.strip())
        if not settings["notify.email.host"] or not recipients:
            problems.append(tr("邮件推送已开启，但未设置 notify.email.host 或 notify.email.recipients"))
        else:
            channels.append(Email(SmtpSetting(settings["notify.email.host"], settings["notify.email.port"],
                                              settings["notify.email.security"], settings["notify.email.user"],
                                              secret("notify.email.password") or "",
                                              settings["notify.email.sender"] or settings["notify.email.user"],
                                              recipients)))
    return channels, problems
