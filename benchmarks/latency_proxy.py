"""A proxy that puts a round-trip time between the diagnostics and the lab, as a network would (benchmarks only).

    python benchmarks/latency_proxy.py --rtt-ms 100 --tcp 40001:127.0.0.1:2587 --udp 40002:127.0.0.1:5353 ...

Why not ``tc qdisc … netem``: this machine's kernel has no netem ("Specified qdisc kind is unknown", also inside
a network namespace of our own). Why not a delay in the lab's servers: a reply delay misses the TCP handshake and
the TLS flights, which are most of an SMTP STARTTLS session's and an HTTPS token call's round trips.

So every chunk of bytes (and every UDP datagram) waits half the round-trip time in each direction, in order, and
the first chunk of a TCP connection waits a whole round trip more: the SYN / SYN-ACK a real connect costs. Prints
"ready" once every listener is open; stops on SIGTERM or when standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time


class _Delayed:
    """One direction of a TCP connection: chunks leave ``delay`` seconds after they came, in the order they came."""

    def __init__(self, writer: asyncio.StreamWriter, delay: float) -> None:
        self.writer, self.delay = writer, delay
        self.queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()

    async def drain(self) -> None:
        try:
            while True:
                due, chunk = await self.queue.get()
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                if chunk is None:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                    return
                self.writer.write(chunk)
                await self.writer.drain()
        except (ConnectionError, OSError):
            return


async def _pump(reader: asyncio.StreamReader, out: _Delayed, first: list[bool], rtt: float) -> None:
    try:
        while chunk := await reader.read(65536):
            extra = rtt if first[0] else 0.0  # the connect's round trip, paid by whoever speaks first
            first[0] = False
            out.queue.put_nowait((time.monotonic() + out.delay + extra, chunk))
    except (ConnectionError, OSError):
        pass
    out.queue.put_nowait((time.monotonic() + out.delay, None))


async def _serve_tcp(listen: int, host: str, port: int, rtt: float) -> asyncio.Server:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        to_server, to_client, first = _Delayed(server_writer, rtt / 2), _Delayed(client_writer, rtt / 2), [True]
        try:
            await asyncio.gather(
                _pump(client_reader, to_server, first, rtt), _pump(server_reader, to_client, first, rtt),
                to_server.drain(), to_client.drain(),
            )  # fmt: skip
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            for writer in (client_writer, server_writer):
                writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", listen, backlog=4096)


class _UdpRelay(asyncio.DatagramProtocol):
    """Datagrams to the target and answers back, each after half the round-trip time."""

    def __init__(self, target: tuple[str, int], rtt: float) -> None:
        self.target, self.half = target, rtt / 2
        self.upstreams: dict[tuple[str, int], asyncio.DatagramTransport] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, client: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(self.half, lambda: asyncio.ensure_future(self._forward(data, client)))

    async def _forward(self, data: bytes, client: tuple[str, int]) -> None:
        upstream = self.upstreams.get(client)
        if upstream is None:
            loop = asyncio.get_running_loop()
            back = self

            class Answer(asyncio.DatagramProtocol):
                def datagram_received(self, answer: bytes, _: tuple[str, int]) -> None:
                    loop.call_later(back.half, back.transport.sendto, answer, client)

            upstream, _ = await loop.create_datagram_endpoint(Answer, remote_addr=self.target)
            self.upstreams[client] = upstream
        upstream.sendto(data)


def _route(text: str) -> tuple[int, str, int]:
    listen, host, port = text.split(":")
    return int(listen), host, int(port)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtt-ms", type=float, default=100.0)
    parser.add_argument("--tcp", action="append", default=[], type=_route, help="LISTEN:HOST:PORT")
    parser.add_argument("--udp", action="append", default=[], type=_route, help="LISTEN:HOST:PORT")
    args = parser.parse_args()
    rtt = args.rtt_ms / 1000
    loop = asyncio.get_running_loop()
    servers = [await _serve_tcp(listen, host, port, rtt) for listen, host, port in args.tcp]
    for listen, host, port in args.udp:
        await loop.create_datagram_endpoint(
            lambda h=host, p=port: _UdpRelay((h, p), rtt), local_addr=("127.0.0.1", listen)
        )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.read(1) or stop.set())
    print("ready", flush=True)
    await stop.wait()
    for server in servers:
        server.close()
    os._exit(0)  # connections still open die with the process, without a traceback each


if __name__ == "__main__":
    asyncio.run(main())
