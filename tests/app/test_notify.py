"""Push channels against a real HTTP server and a real SMTP server on loopback: payloads and
signatures as each service documents them, throttling, retries and isolation of a failing
channel, and the delivery results stored with each alert."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.monitor.alerts import AlertCenter
from apps.monitor.detector import Signal
from lianghua_app.markets import CHINA_TZ
from lianghua_app.notify import DingTalk, Email, Feishu, Notifier, SmtpSetting, WeCom, channels_from_settings
from lianghua_app.settings import validate
from lianghua_app.storage.models import AlertDelivery, AlertRecord
from tests.helpers import drain, wait_until

SECRET = "SEC0123456789abcdef"
NOW = 1_717_380_000.0


class Robot:
    """A loopback HTTP server standing in for the webhook services: it records each request and
    answers with the next scripted reply for its path (default: success)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, dict]] = []
        self.replies: dict[str, list[tuple[int, dict]]] = {}
        self.portal = False
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                url = urllib.parse.urlsplit(self.path)
                robot.requests.append((url.path, dict(urllib.parse.parse_qsl(url.query)), body))
                queued = robot.replies.get(url.path)
                status, reply = queued.pop(0) if queued else (200, {"errcode": 0, "code": 0})
                kind, data = "application/json", json.dumps(reply).encode()
                if robot.portal:    # a captive portal or proxy: an HTML page repeating the URL asked for
                    kind, data = "text/html", f"<html>Please log in to continue to {self.path}</html>".encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    server = Robot()
    yield server
    server.close()


def test_dingtalk_signs_the_url_with_timestamp_and_hmac_of_the_secret(robot):
    DingTalk(robot.url("/robot/send?access_token=abc"), SECRET, clock=lambda: NOW).send("标题", "正文")
    [(path, query, body)] = robot.requests
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{int(NOW * 1000)}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert path == "/robot/send" and query["access_token"] == "abc"
    assert query["timestamp"] == str(int(NOW * 1000)) and query["sign"] == expected
    assert body == {"msgtype": "text", "text": {"content": "标题\n正文"}}


def test_feishu_puts_timestamp_and_signature_in_the_body(robot):
    Feishu(robot.url("/open-apis/bot/v2/hook/xyz"), SECRET, clock=lambda: NOW).send("标题", "正文")
    [(_, _, body)] = robot.requests
    key = f"{int(NOW)}\n{SECRET}".encode()
    assert body["timestamp"] == str(int(NOW))
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and body["content"] == {"text": "标题\n正文"}


def test_wecom_sends_a_text_message_to_its_key_url(robot):
    WeCom(robot.url("/cgi-bin/webhook/send?key=k1")).send("标题", "正文")
    [(path, query, body)] = robot.requests
    assert (path, query) == ("/cgi-bin/webhook/send", {"key": "k1"})
    assert body == {"msgtype": "text", "text": {"content": "标题\n正文"}}


def test_a_service_error_code_counts_as_a_failed_delivery(robot):
    robot.replies["/robot/send"] = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    with pytest.raises(Exception, match="310000"):
        DingTalk(robot.url("/robot/send?access_token=abc"), SECRET).send("t", "b")


def test_email_goes_through_a_real_smtp_server_on_loopback():
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:      # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        setting = SmtpSetting("127.0.0.1", port, "none", "", "",
                              "monitor@example.com", ("trader@example.com",))
        Email(setting).send("量化监控预警（1条）", "600519 涨停")
    finally:
        controller.stop()
    [envelope] = received
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert envelope.rcpt_tos == ["trader@example.com"] and message["From"] == "monitor@example.com"
    assert message["Subject"] == "量化监控预警（1条）" and message.get_content().strip() == "600519 涨停"


def test_a_failing_channel_is_retried_with_backoff_and_never_holds_up_the_others(robot):
    robot.replies["/down"] = [(500, {})] * 2
    reports = []
    down, up = WeCom(robot.url("/down")), WeCom(robot.url("/up"))
    down.name, up.name = "down", "up"
    notifier = Notifier([down, up], lambda *r: reports.append(r), throttle=0.0, retries=3, backoff=0.2)
    notifier.submit(1, "第一条")
    wait_until(lambda: ("down", [1], "sent", 3, "") in reports)
    notifier.close()
    statuses = [(channel, status, attempts) for channel, _, status, attempts, _ in reports]
    assert statuses.index(("up", "sent", 1)) < statuses.index(("down", "sent", 3))
    assert [s for s in statuses if s[0] == "down"] == [("down", "retrying", 1), ("down", "retrying", 2),
                                                       ("down", "sent", 3)]


def test_alerts_waiting_out_the_throttle_go_together_in_the_next_message(robot):
    reports = []
    notifier = Notifier([WeCom(robot.url("/hook"))], lambda *r: reports.append(r), throttle=0.5)
    notifier.submit(1, "第一条")
    wait_until(lambda: len(reports) == 1)
    for alert_id in (2, 3, 4):
        notifier.submit(alert_id, f"第{alert_id}条")
    wait_until(lambda: len(reports) == 2)
    notifier.close()
    assert [r[1] for r in reports] == [[1], [2, 3, 4]]
    assert robot.requests[1][2]["text"]["content"].endswith("第2条\n第3条\n第4条")


def test_enabled_channels_without_a_webhook_in_the_keyring_are_reported():
    settings = validate({"notify.dingtalk.enabled": True, "notify.wecom.enabled": True})
    channels, problems = channels_from_settings(settings, {"notify.wecom.webhook": "https://qyapi/x"}.get)
    assert [c.name for c in channels] == ["wecom"]
    assert len(problems) == 1 and "notify.dingtalk.webhook" in problems[0]


def signal(rule: str, seconds: float, symbol: str = "600519.SSE") -> Signal:
    moment = datetime(2024, 6, 3, 10, 0, tzinfo=CHINA_TZ) + timedelta(seconds=seconds)
    return Signal(moment, symbol, "贵州茅台", rule, 1.0, "说明")


def test_alerts_are_stored_deduplicated_within_the_cooldown_and_delivery_is_recorded(engine, robot):
    notifier = Notifier([WeCom(robot.url("/hook"))], AlertCenter.record_delivery, throttle=0.0)
    center = AlertCenter(cooldown_seconds=60, notifier=notifier)
    push = {"limit_up": True}
    first = center.accept([signal("limit_up", 0), signal("fast_move", 0)], push)
    repeated = center.accept([signal("limit_up", 30)], push)
    later = center.accept([signal("limit_up", 61)], push)
    assert [a.rule for a in first] == ["limit_up", "fast_move"] and repeated == [] and len(later) == 1
    assert AlertRecord.select().count() == 3
    wait_until(lambda: AlertDelivery.select().where(AlertDelivery.status == "sent").count() == 2)
    notifier.close()
    assert {d.alert_id for d in AlertDelivery.select()} == {first[0].id, later[0].id}
    assert len(robot.requests) >= 1


def test_no_configured_secret_reaches_a_log_line_or_a_stored_error(engine, data_dir, file_keyring, robot):
    from lianghua_app.secrets import get_secret, set_secret

    robot.portal = True
    portal = robot
    secrets = {"notify.dingtalk.webhook": portal.url("/robot/send?access_token=DINGTOKEN9876543210"),
               "notify.dingtalk.secret": "SECdingsigning0123456789",
               "notify.wecom.webhook": portal.url("/cgi-bin/webhook/send?key=WECOMKEY-1234-5678")}
    for key, value in secrets.items():
        set_secret("default", key, value)
    settings = validate({"notify.dingtalk.enabled": True, "notify.wecom.enabled": True, "notify.retries": 0})
    channels, problems = channels_from_settings(settings, lambda key: get_secret("default", key))
    assert problems == []
    notifier = Notifier(channels, AlertCenter.record_delivery, throttle=0.0, retries=0)
    center = AlertCenter(cooldown_seconds=60, notifier=notifier)
    center.accept([signal("limit_up", 0)], {"limit_up": True})
    try:
        wait_until(lambda: AlertDelivery.select().where(AlertDelivery.status == "failed").count() == 2)
    finally:
        notifier.close()
    engine.write_log(f"调试：机器人地址 {secrets['notify.wecom.webhook']}")
    drain(engine)
    engine.close()          # the log file and the database are complete

    tokens = ["DINGTOKEN9876543210", "SECdingsigning0123456789", "WECOMKEY-1234-5678"]
    errors = " ".join(d.error for d in AlertDelivery.select())
    assert "log in" in errors      # the reply is still reported, with the secret masked
    texts = [errors] + [path.read_bytes().decode("latin-1") for path in data_dir.root.glob("lianghua.db*")]
    texts += [path.read_text(encoding="utf-8") for path in data_dir.logs_dir.glob("*.log")]
    for token in tokens:
        assert all(token not in text for text in texts), token
