"""tls.starttls: offered, negotiated, TLS ≥ 1.2 — and when not, what the server does speak."""

import ssl
import threading
import time

from diagnostics.context import Target
from diagnostics.findings import Status
from diagnostics.smtp_session import SmtpSession
from tests.support.lab_checks import TIMEOUT_CASE, lab_config, make_context, run_chain

TO_TLS = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls")


def _tls(lab, env, listener, **values):
    ctx = make_context(Target(lab_config(lab, listener, **values)), env)
    findings = run_chain(ctx, TO_TLS, close=False)
    return findings["tls.starttls"], ctx


def test_starttls_negotiates_tls_1_2_or_later_and_says_ehlo_again(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "submission")
    try:
        assert found.status == Status.PASS
        assert found.facts["version"] in ("TLSv1.2", "TLSv1.3")
        assert found.facts["verified"] is True
        session = ctx.shared["smtp"]
        assert "auth" in session.features  # the new EHLO after TLS offers AUTH
        assert session.transcript.text().count("C: ehlo") == 2
    finally:
        ctx.close()


def test_no_starttls_is_a_failure_when_tls_is_required(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "no_starttls", option="oauth2")
    ctx.close()
    assert (found.status, found.code) == (Status.FAIL, "tls.starttls_missing")
    assert "does not offer STARTTLS" in found.summary


def test_no_starttls_is_a_warning_for_opportunistic_tls_on_a_relay(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "no_starttls", option="relay_server", tls="opportunistic")
    ctx.close()
    assert (found.status, found.code) == (Status.WARN, "tls.starttls_missing")


def test_tls_switched_off_fails_for_client_submission(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "submission", option="smtp_basic", tls="none")
    ctx.close()
    assert (found.status, found.code) == (Status.FAIL, "tls.not_configured")


def test_a_tls_1_0_server_is_named_with_the_version_it_speaks(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "tls10", option="direct_send", tls="opportunistic")
    ctx.close()
    assert (found.status, found.code) == (Status.FAIL, "tls.version_too_old")
    assert "TLSv1 " in found.summary and "TLS 1.2 or later" in found.summary
    assert "strict verifying handshake" in found.evidence and "relaxed" in found.evidence


def test_a_tls_1_0_relay_server_is_a_warning_and_the_session_goes_on(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "tls10", option="relay_server", tls="opportunistic")
    try:
        assert (found.status, found.code) == (Status.WARN, "tls.version_too_old")
        envelope = run_chain(ctx, ("smtp.envelope",), close=False)["smtp.envelope"]
        assert envelope.status == Status.PASS
    finally:
        ctx.close()


def test_implicit_tls_is_negotiated_before_the_banner(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "implicit", tls="implicit")
    ctx.close()
    assert found.status == Status.PASS
    assert "implicit TLS" in found.summary


def test_a_certificate_problem_does_not_stop_starttls_but_is_left_to_tls_certificate(lab, lab_env):
    found, ctx = _tls(lab, lab_env, "expired", option="relay_server")
    ctx.close()
    assert found.status == Status.PASS
    assert found.facts["verified"] is False
    assert "see tls.certificate" in found.summary


def test_a_handshake_that_never_completes_is_bounded_by_the_timeout(lab):
    # The silent listener accepts TCP and says nothing: implicit TLS waits for a ServerHello.
    env = lab.environment(timeout=TIMEOUT_CASE)
    started = time.monotonic()
    ctx = make_context(Target(lab_config(lab, "silent", option="relay_server", tls="implicit")), env)
    banner = run_chain(ctx, ("tcp.connect", "smtp.banner"))["smtp.banner"]
    assert (banner.status, banner.code) == (Status.FAIL, "tls.handshake_failed")
    assert time.monotonic() - started < TIMEOUT_CASE + 2.5  # headroom for a loaded CI machine


def test_an_unreadable_trust_store_is_our_error_not_the_servers(lab):
    env = lab.environment(extra_ca_bundle="/nonexistent/lab-ca.pem")
    found, ctx = _tls(lab, env, "submission")
    ctx.close()
    assert (found.status, found.code) == (Status.ERROR, "tls.trust_store")
    assert "PORTAL_EXTRA_CA_BUNDLE" in found.remedy


class _EndsRightAfterTheCheck(threading.Event):
    """Plays the engine: the run's budget ends (cancel + close) just after TLS probing checked for it."""

    def __init__(self) -> None:
        super().__init__()
        self.session: SmtpSession | None = None

    def is_set(self) -> bool:
        seen = super().is_set()
        if self.session is not None and not seen:
            session, self.session = self.session, None
            self.set()
            session.close()
        return seen


def test_a_reconnect_that_finishes_after_the_run_closed_keeps_no_connection(lab):
    cancelled = _EndsRightAfterTheCheck()
    session = SmtpSession(
        "relay-tls10.lab.test", lab.port("tls10"), timeout=1.0, local_hostname="t", cancelled=cancelled
    )
    session.connect("127.0.0.1")
    session.read_banner()
    session.ehlo()

    def trusting_the_lab() -> ssl.SSLContext:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(lab.pki.ca_pem_path))
        return context

    cancelled.session = session  # the strict handshake fails (TLS 1.0 server); the retry reconnects
    result = session.negotiate_tls(trusting_the_lab)
    assert "reconnecting to find out more about TLS" in session.transcript.text()
    assert (result.established, result.error_kind) == (False, "cancelled")
    assert not session.connected  # the socket opened after close() was closed, not kept
