"""A venue's Wi-Fi for the browser tests: a TCP proxy between Chromium and the
server whose network can fail the ways a weak network fails.

- ``deafen()``: what the browser sends still reaches the server, but nothing
  comes back (an answer lost on the way: the server committed, the page never
  heard).
- ``cut()``: the network is gone. The browser's connections are reset and new
  ones are refused (reset at once). The server is not told: its side of each
  connection stays open, and whatever it sends is lost, until it notices by
  itself (its ping timeout), as with a phone that walked out of the Wi-Fi.
- ``drop()``: a blip. Every open connection is reset; new ones go through.
- ``restore()``: everything goes through again.

Pages must be opened through ``proxy.url`` for their traffic to cross it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading

from .waiting import STALL

OPEN, DEAF, CUT = "open", "deaf", "cut"


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (as a vanished network looks to the browser), not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Pair:
    """One browser connection and its connection to the server."""

    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter):
        self.client = client
        self.upstream = upstream
        self.client_gone = False


class NetworkCut:
    """A proxy on 127.0.0.1 in front of the server's port (its own event loop, in a thread); see the module doc."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = OPEN
        self.pairs: set[_Pair] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="netcut", daemon=True)
        self.thread.start()
        self.server = self._run(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=STALL)

    # ---- what the test does ----------------------------------------------------

    def deafen(self) -> None:
        self._run(self._set(DEAF, reset=False))

    def cut(self) -> None:
        self._run(self._set(CUT, reset=True))

    def drop(self) -> None:
        self._run(self._set(self.mode, reset=True))

    def restore(self) -> None:
        self._run(self._set(OPEN, reset=False))

    def close(self) -> None:
        async def shut() -> None:
            await self._set(CUT, reset=True)
            self.server.close()
            for pair in list(self.pairs):
                pair.upstream.transport.abort()
            # Every connection's task ends here, not destroyed pending when the loop goes.
            handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

        with contextlib.suppress(Exception):
            self._run(shut())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=STALL)
        if not self.thread.is_alive():
            self.loop.close()

    async def _set(self, mode: str, reset: bool) -> None:
        self.mode = mode
        if reset:
            for pair in list(self.pairs):
                if not pair.client_gone:
                    pair.client_gone = True
                    _abort(pair.client)  # the server's side stays open: it finds out by itself

    # ---- the proxy -------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == CUT:
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            return
        pair = _Pair(writer, up_writer)
        self.pairs.add(pair)
        try:
            await asyncio.gather(self._to_server(reader, pair), self._to_browser(up_reader, pair))
        finally:
            self.pairs.discard(pair)
            up_writer.close()
            if not pair.client_gone:
                writer.close()

    async def _to_server(self, reader: asyncio.StreamReader, pair: _Pair) -> None:
        while True:
            try:
                data = await reader.read(65536)
            except (OSError, ConnectionError):
                data = b""
            if pair.client_gone:
                return  # reset by cut()/drop(): the server's side is left dangling
            if not data:
                with contextlib.suppress(OSError, RuntimeError):
                    pair.upstream.write_eof()  # the browser closed: pass it on
                return
            try:
                pair.upstream.write(data)
                await pair.upstream.drain()
            except (OSError, ConnectionError):
                pair.client_gone = True
                _abort(pair.client)
                return

    async def _to_browser(self, reader: asyncio.StreamReader, pair: _Pair) -> None:
        while True:
            try:
                data = await reader.read(65536)
            except (OSError, ConnectionError):
                data = b""
            if not data:  # the server closed (or noticed, at last, that the browser is gone)
                if not pair.client_gone:
                    with contextlib.suppress(OSError, RuntimeError):
                        pair.client.write_eof()
                return
            if pair.client_gone or self.mode == DEAF:
                continue  # lost on the way
            try:
                pair.client.write(data)
                await pair.client.drain()
            except (OSError, ConnectionError):
                pair.client_gone = True
