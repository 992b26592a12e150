"""The agent over HTTP: every request signed (see signing.py), JSON in and out, bound to
127.0.0.1 unless another address is asked for by name. Each request's work runs on a worker
thread; the agent itself keeps the GUI to one operation at a time."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from aiohttp import web

from lianghua_app.i18n import tr

from .agent import Agent, AgentError
from .signing import Verifier

LOCAL = "127.0.0.1"
GRIDS = {"/v1/balance": "balance", "/v1/positions": "position", "/v1/orders": "today_entrusts",
         "/v1/trades": "today_trades"}
log = logging.getLogger(__name__)


def make_app(agent: Agent, verifier: Verifier) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        refusal = verifier.refusal(request.method, request.path, body, request.headers)
        if refusal:
            log.warning("refused %s %s from %s: %s", request.method, request.path, request.remote, refusal)
            return web.json_response({"error": refusal}, status=401)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return web.json_response({"error": tr("请求内容不是JSON")}, status=400)
        work = route(agent, request.method, request.path, payload)
        if work is None:
            return web.json_response({"error": tr("没有这个接口：{path}", path=request.path)}, status=404)
        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, work)
        except AgentError as error:
            return web.json_response({"error": str(error)}, status=409)
        except Exception as error:              # a bug must answer in words, not drop the connection
            log.exception("agent failed on %s %s", request.method, request.path)
            return web.json_response({"error": tr("代理内部错误：{error}", error=error)}, status=500)
        return web.json_response(answer)

    app = web.Application(client_max_size=64 * 1024)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def route(agent: Agent, method: str, path: str, payload: dict):
    if method == "GET" and path in GRIDS:
        return lambda: agent.grid(GRIDS[path])
    if method == "GET" and path == "/v1/health":
        return lambda: {"broker": agent.broker, "family": agent.family}
    if method != "POST":
        return None
    return {"/v1/order": lambda: agent.place(payload),
            "/v1/cancel": lambda: agent.cancel(str(payload.get("entrust_no", ""))),
            "/v1/cancel_all": agent.cancel_all,
            "/v1/refresh": agent.refresh}.get(path)


class AgentServer:
    """The HTTP side in a thread of its own (the command line blocks on it; tests stop it)."""

    def __init__(self, agent: Agent, verifier: Verifier, host: str = LOCAL, port: int = 0) -> None:
        self.agent, self.verifier, self.host, self.port = agent, verifier, host, port
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="easytrader-agent", daemon=True)
        self.runner: web.AppRunner | None = None

    def start(self) -> AgentServer:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("agent server did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        # A request still waiting on the GUI at shutdown is dropped after a moment: its key is
        # journaled, and the client's resend gets the result.
        self.runner = web.AppRunner(make_app(self.agent, self.verifier), access_log=None, shutdown_timeout=1.0)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, self.host, self.port)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        """Idempotent; a server whose thread has ended has nothing left to stop."""
        if not self.thread.is_alive():
            return
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
