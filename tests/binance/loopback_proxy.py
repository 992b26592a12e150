"""A forward proxy on 127.0.0.1 that speaks what a trader's local proxy (Clash, v2rayN) speaks:
HTTP (absolute-form requests and CONNECT) and SOCKS5. It forwards only to loopback addresses and
notes the first request of each connection it carries."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Carried:
    protocol: str           # "http", "connect" or "socks5": how the client asked
    target: str             # host:port the proxy connected to
    request: str            # the first request line carried, e.g. "GET /fapi/v1/ping HTTP/1.1"
    websocket: bool


class LoopbackProxy:
    def __init__(self) -> None:
        self.carried: list[Carried] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._connections: set[asyncio.Task] = set()

    def start(self) -> LoopbackProxy:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="loopback-proxy", daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("the loopback proxy did not start")
        return self

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(asyncio.current_task())
        upstream = None
        try:
            first = await reader.readexactly(1)
            if first == b"\x05":
                protocol, host, port = "socks5", *await _socks5_handshake(reader, writer)
                head = await reader.readuntil(b"\r\n\r\n")
            else:
                head = first + await reader.readuntil(b"\r\n\r\n")
                protocol, host, port, head = _http_request(head)
                if protocol == "connect":
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    head = await reader.readuntil(b"\r\n\r\n")
            if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
                return                                  # nothing a test does leaves this machine
            up_reader, upstream = await asyncio.open_connection(host, port)
            await asyncio.gather(self._requests(reader, upstream, head, protocol, f"{host}:{port}"),
                                 _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError, ValueError,
                asyncio.CancelledError):        # a client gone, or the proxy stopping: the connection ends
            pass
        finally:
            for stream in (writer, upstream):
                if stream is not None:
                    stream.close()
            self._connections.discard(asyncio.current_task())


    async def _requests(self, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter, head: bytes,
                        protocol: str, target: str) -> None:
        """Each request of a kept-alive connection, noted and passed on, until one upgrades to a
        WebSocket (a pooled connection may carry REST calls first, then the upgrade)."""
        while True:
            lowered = head.lower()
            websocket = b"upgrade: websocket" in lowered
            self.carried.append(Carried(protocol, target, head.split(b"\r\n", 1)[0].decode("latin-1"), websocket))
            upstream.write(head)
            if websocket or b"transfer-encoding: chunked" in lowered:
                return await _pipe(reader, upstream)
            length = next((int(line.split(b":", 1)[1]) for line in lowered.split(b"\r\n")
                           if line.startswith(b"content-length:")), 0)
            if length:
                upstream.write(await reader.readexactly(length))
            await upstream.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if protocol == "http":
                _, host, port, head = _http_request(head)
                if f"{host}:{port}" != target:
                    raise ConnectionError("one kept-alive connection, one server")


def _http_request(head: bytes) -> tuple[str, str, int, bytes]:
    """(protocol, host, port, head to send on) of a proxy request; an absolute-form request is
    passed on in origin form, as the server expects it."""
    line, rest = head.split(b"\r\n", 1)
    method, target, version = line.decode("latin-1").split(" ")
    if method == "CONNECT":
        host, port = target.rsplit(":", 1)
        return "connect", host, int(port), b""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return "http", parts.hostname, parts.port or 80, f"{method} {path} {version}\r\n".encode("latin-1") + rest


async def _socks5_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int]:
    """RFC 1928 without authentication, CONNECT only."""
    methods = await reader.readexactly((await reader.readexactly(1))[0])
    if 0 not in methods:
        writer.write(b"\x05\xff")
        raise ConnectionError("no acceptable SOCKS5 method")
    writer.write(b"\x05\x00")
    _version, command, _reserved, kind = await reader.readexactly(4)
    if kind == 1:
        host = socket.inet_ntoa(await reader.readexactly(4))
    elif kind == 3:
        host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
    else:
        host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
    port = int.from_bytes(await reader.readexactly(2), "big")
    if command != 1:
        writer.write(b"\x05\x07\x00\x01" + bytes(6))
        raise ConnectionError("only CONNECT is offered")
    writer.write(b"\x05\x00\x00\x01" + bytes(6))
    return host, port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        if writer.can_write_eof():
            try:
                writer.write_eof()
            except OSError:
                pass
