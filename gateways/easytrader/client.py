"""The workstation's side of the wire to the agent: signed requests, JSON answers, and failures
in words. Blocking (the gateway polls from its own thread)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from lianghua_app.i18n import tr

from .signing import signed_headers


class AgentUnavailable(ConnectionError):
    """The agent did not answer (not running, wrong address, network)."""


class AgentRefused(RuntimeError):
    """The agent answered with an error: the message is its words."""


class LocalAgentClient:
    """The agent inside the workstation's own process (Windows with easytrader installed): the
    same calls, no network and no signing."""

    def __init__(self, agent) -> None:
        self.agent = agent

    def get(self, path: str) -> dict:
        return self._call("GET", path, {})

    def post(self, path: str, payload: dict | None = None) -> dict:
        return self._call("POST", path, payload or {})

    def _call(self, method: str, path: str, payload: dict) -> dict:
        from .agent import AgentError
        from .server import route

        work = route(self.agent, method, path, payload)
        if work is None:
            raise AgentRefused(tr("没有这个接口：{path}", path=path))
        try:
            return work()
        except AgentError as error:
            raise AgentRefused(str(error)) from error


class AgentClient:
    def __init__(self, url: str, key: str, timeout: float = 30.0, read_timeout: float = 10.0) -> None:
        """`timeout` for orders (a GUI step may take a while), `read_timeout` for the grids."""
        self.url, self.key, self.timeout, self.read_timeout = url.rstrip("/"), key, timeout, read_timeout

    def get(self, path: str) -> dict:
        return self._call("GET", path, b"", self.read_timeout)

    def post(self, path: str, payload: dict | None = None) -> dict:
        return self._call("POST", path, json.dumps(payload or {}, ensure_ascii=False).encode(), self.timeout)

    def _call(self, method: str, path: str, body: bytes, timeout: float) -> dict:
        headers = {"Content-Type": "application/json", **signed_headers(self.key, method, path, body)}
        request = urllib.request.Request(self.url + path, data=body or None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                words = json.loads(error.read()).get("error", "")
            except ValueError:
                words = ""
            raise AgentRefused(words or tr("代理返回HTTP {code}", code=error.code)) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            raise AgentUnavailable(tr("无法连接交易代理{url}：{error}", url=self.url,
                                      error=getattr(error, "reason", error))) from error
