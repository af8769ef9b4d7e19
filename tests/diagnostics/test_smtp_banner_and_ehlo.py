"""smtp.banner and smtp.ehlo: who answers, whether it greets at all, and which IP Exchange sees."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.clouds import exchange_online_cloud_of_server
from diagnostics.checks.smtp import check_banner, parse_seen_ip
from diagnostics.context import Target
from diagnostics.findings import Status
from diagnostics.smtp_session import SmtpSession
from tests.support.lab_checks import TIMEOUT_CASE, lab_config, make_context, run_chain

GREETING = ("tcp.connect", "smtp.banner", "smtp.ehlo")


def test_it_recognises_exchange_onlines_banner(lab, lab_env):
    found = run_chain(make_context(Target(lab_config(lab, "submission")), lab_env), GREETING)
    banner = found["smtp.banner"]
    assert banner.status == Status.PASS
    assert banner.facts["exchange"] is True
    assert "Microsoft ESMTP MAIL Service ready at" in banner.evidence


def test_a_server_that_never_greets_is_named_with_the_time_waited(lab):
    env = lab.environment(timeout=TIMEOUT_CASE)
    started = time.monotonic()
    found = run_chain(make_context(Target(lab_config(lab, "silent", option="relay_server")), env), GREETING)
    assert found["tcp.connect"].status == Status.PASS
    banner = found["smtp.banner"]
    assert (banner.status, banner.code) == (Status.FAIL, "smtp.no_banner")
    assert f"within {TIMEOUT_CASE:.1f} s" in banner.summary
    assert "implicit" in banner.remedy  # the classic cause: port 465 expects TLS first
    assert time.monotonic() - started < TIMEOUT_CASE + 2.5  # headroom for a loaded CI machine
    assert found["smtp.ehlo"].status == Status.SKIPPED


def test_starttls_mode_against_an_implicit_tls_port_waits_for_a_greeting_that_never_comes(lab):
    env = lab.environment(timeout=TIMEOUT_CASE)
    config = lab_config(lab, "implicit", tls="starttls")
    banner = run_chain(make_context(Target(config), env), GREETING)["smtp.banner"]
    assert banner.code == "smtp.no_banner"


def test_ehlo_reports_the_public_ip_exchange_sees(lab, lab_env):
    ehlo = run_chain(make_context(Target(lab_config(lab, "submission")), lab_env), GREETING)["smtp.ehlo"]
    assert ehlo.status == Status.PASS
    assert ehlo.facts["seen_ip"] == "203.0.113.10"
    assert ehlo.facts["starttls"] is True
    assert ehlo.facts["auth"] == []  # Exchange offers AUTH only after STARTTLS
    assert "203.0.113.10" in ehlo.summary


def test_ehlo_follows_the_lab_nat_per_client_host(lab):
    lab.smtp.nat["sap-behind-other-nat"] = "198.51.100.44"
    env = lab.environment(worker="sap-behind-other-nat")
    ehlo = run_chain(make_context(Target(lab_config(lab, "mx")), env), GREETING)["smtp.ehlo"]
    assert ehlo.facts["seen_ip"] == "198.51.100.44"


def test_a_relay_that_reports_no_ip_leaves_seen_ip_empty(lab, lab_env):
    ehlo = run_chain(make_context(Target(lab_config(lab, "tls10", option="relay_server")), lab_env), GREETING)[
        "smtp.ehlo"
    ]
    assert ehlo.status == Status.PASS
    assert ehlo.facts["seen_ip"] is None


def test_the_seen_ip_is_read_from_the_first_ehlo_line_only():
    assert parse_seen_ip("host.outlook.com Hello [2001:db8::5]\nSIZE 1") == "2001:db8::5"
    assert parse_seen_ip("relay.example.com\nX Hello [1.2.3.4]") is None


def test_closing_the_run_ends_a_step_that_still_waits_for_the_server(lab):
    # The engine closes the run when its time budget runs out; a waiting step must not hold it up.
    env = lab.environment(timeout=10.0)
    ctx = make_context(Target(lab_config(lab, "silent", option="relay_server")), env)
    run_chain(ctx, ("tcp.connect",), close=False)
    results = []
    waiting = threading.Thread(target=lambda: results.append(run_chain(ctx, ("smtp.banner",), close=False)))
    waiting.start()
    time.sleep(0.2)
    started = time.monotonic()
    ctx.cancelled.set()
    ctx.close()
    waiting.join(timeout=8)
    assert time.monotonic() - started < 3.0  # the step's own timeout would take 10 s
    assert results[0]["smtp.banner"].status == Status.FAIL


@contextmanager
def _greeting_with(first_line: bytes) -> Iterator[int]:
    """A loopback server that writes ``first_line`` as its greeting and keeps the connection open."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def greet() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(first_line)
                conn.settimeout(5)
                try:
                    while conn.recv(1024):
                        pass
                except OSError:
                    pass

        threading.Thread(target=greet, daemon=True).start()
        yield server.getsockname()[1]


def _greet(lab, lab_env, port):
    config = lab_config(lab, "submission", option="relay_server", smtp_host="127.0.0.1", smtp_port=port)
    return run_chain(make_context(Target(config), lab_env), GREETING)


def test_an_over_long_greeting_is_named_not_smtp_instead_of_crashing(lab, lab_env):
    with _greeting_with(b"220 " + b"x" * 9000 + b"\r\n") as port:
        found = _greet(lab, lab_env, port)
    banner = found["smtp.banner"]
    assert (banner.status, banner.code) == (Status.FAIL, "smtp.not_smtp")
    assert "Line too long" in banner.summary and "Line too long" in banner.evidence
    assert found["smtp.ehlo"].status == Status.SKIPPED


def test_a_garbage_greeting_is_named_not_smtp(lab, lab_env):
    with _greeting_with(b"\x16\x03\x01\x00\xff garbage, not SMTP\r\n") as port:
        banner = _greet(lab, lab_env, port)["smtp.banner"]
    assert (banner.status, banner.code) == (Status.FAIL, "smtp.not_smtp")


@contextmanager
def greeting_server(banner: str) -> Iterator[int]:
    """A one-shot server on loopback that greets with ``banner`` and then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(f"{banner}\r\n".encode())
            connection.recv(1024)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(timeout=2)


def _banner_of(port: int):
    session = SmtpSession("127.0.0.1", port, timeout=2.0, local_hostname="worker.test")
    try:
        session.connect("127.0.0.1")
        return check_banner(session, implicit_tls=False, old_tls_tolerated=True, context_factory=lambda: None)
    finally:
        session.close()


def test_an_on_premises_exchange_greeting_is_not_taken_for_exchange_online():
    with greeting_server("220 EXCH01.corp.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026") as port:
        banner = _banner_of(port)
    assert banner.facts["exchange"] is False and banner.facts["exchange_server"] is True
    assert "(Exchange Online)" not in banner.summary
    assert "not Exchange Online" in banner.summary


def test_exchange_onlines_own_server_names_are_recognised_in_every_cloud():
    assert exchange_online_cloud_of_server("AM0PR01CA0001.outlook.office365.com").code == "global"
    assert exchange_online_cloud_of_server("DB5EUR01FT001.mail.protection.outlook.com").code == "global"
    assert exchange_online_cloud_of_server("BN1GCC01FT001.mail.protection.office365.us").code == "gcc-high"
    assert exchange_online_cloud_of_server("mail.corp.contoso.com") is None
    assert exchange_online_cloud_of_server("outlook.office365.com.evil.example") is None
