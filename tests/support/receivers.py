"""Receivers on loopback for alerts sent by other processes: a webhook (what Teams or a JSON webhook would
receive; it can refuse) and a mail server (what Django's SMTP backend sends)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebhookReceiver:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    fail_first: int = 0  # answer this many requests with HTTP 500 first
    status: int = 202  # what Teams Workflows answers when it takes a message

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str | None = None) -> list[Any]:
        return [item.body for item in self.received if path is None or item.path == path]


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(**options)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            with lock:
                receiver.received.append(Received(self.path, dict(self.headers), body))
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1 if failing else 0
            self.send_response(500 if failing else receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class MailSink:
    port: int = 0
    messages: list[Any] = field(default_factory=list)  # email.message.EmailMessage


@contextmanager
def mail_sink() -> Iterator[MailSink]:
    """An SMTP server on a free loopback port that keeps every message (no TLS, no AUTH)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from tests.support.network import free_port

    sink = MailSink(port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's naming
            sink.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
            return "250 2.0.0 Ok: queued"

    controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
