"""smtp.envelope: MAIL FROM + RCPT TO, then RSET — Exchange's verdict on a message without sending it."""

import base64
import smtplib
import ssl

from diagnostics.context import Target
from diagnostics.findings import Status
from tests.support.lab_checks import UP_TO_ENVELOPE, lab_config, make_context, run_chain

MX_CHAIN = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls", "tls.certificate", "smtp.envelope")


def _submission(lab, env, org, mailbox, *, sender=None, recipient="someone@partner.example"):
    config = lab_config(lab, "submission", mailbox=mailbox, sender=sender or mailbox, test_recipient=recipient)
    ctx = make_context(Target(config), env, token=org.token())
    return run_chain(ctx)["smtp.envelope"], ctx


def _mx(lab, env, option, sender, recipient):
    config = lab_config(lab, "mx", option=option, sender=sender, test_recipient=recipient, tls="opportunistic")
    ctx = make_context(Target(config), env)
    return run_chain(ctx, MX_CHAIN)["smtp.envelope"], ctx


def test_an_accepted_envelope_sends_nothing(lab, lab_env, org):
    mailbox = org.mailbox()
    before = len(lab.smtp.messages)
    found, _ = _submission(lab, lab_env, org, mailbox)
    assert found.status == Status.PASS
    assert "nothing sent" in found.summary
    assert found.evidence.splitlines()[-2] == "C: RSET"
    assert len(lab.smtp.messages) == before


def test_mail_before_authentication_is_named_5_7_57(lab, lab_env, org):
    mailbox = org.mailbox()
    config = lab_config(lab, "submission", mailbox=mailbox, sender=mailbox)
    keys = [key for key in UP_TO_ENVELOPE if key != "smtp.auth"]  # SAP configured without logon
    found = run_chain(make_context(Target(config), lab_env), keys)["smtp.envelope"]
    assert (found.status, found.code) == (Status.FAIL, "5.7.57")
    assert "SCOT" in found.remedy


def test_a_sender_without_send_as_is_named_5_7_60(lab, lab_env, org):
    mailbox = org.mailbox()
    found, _ = _submission(lab, lab_env, org, mailbox, sender=f"purchasing@{org.domain}")
    assert (found.status, found.code) == (Status.FAIL, "5.7.60")
    assert "Add-RecipientPermission" in found.remedy


def test_send_as_granted_lets_the_shared_sender_through(lab, lab_env, org):
    mailbox = org.mailbox(send_as={f"invoices@{org.domain}"})
    found, _ = _submission(lab, lab_env, org, mailbox, sender=f"invoices@{org.domain}")
    assert found.status == Status.PASS


def test_more_than_three_connections_per_mailbox_hit_the_thread_limit(lab, lab_env, org):
    mailbox = org.mailbox()
    held = [_hold_connection(lab, mailbox, org.token()) for _ in range(3)]  # SAP's send processes
    try:
        found, _ = _submission(lab, lab_env, org, mailbox)
        assert (found.status, found.code) == (Status.WARN, "4.3.2")
        assert "3 connections" in found.explanation or "3 concurrent" in found.explanation
    finally:
        for connection in held:
            connection.quit()
    assert _submission(lab, lab_env, org, mailbox)[0].status == Status.PASS


def _hold_connection(lab, mailbox: str, token: str) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", lab.port("submission"), local_hostname="sap-app-01", timeout=2)
    client.starttls(context=ssl._create_unverified_context())
    client.ehlo("sap-app-01")
    code, _ = client.docmd("AUTH", "XOAUTH2 " + _xoauth2(mailbox, token))
    assert code == 235
    return client


def _xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def test_direct_send_to_an_external_recipient_is_named_5_7_64(lab, lab_env, org):
    found, _ = _mx(lab, lab_env, "direct_send", f"noreply@{org.domain}", "someone@partner.example")
    assert (found.status, found.code) == (Status.FAIL, "5.7.64")
    assert "connector" in found.remedy.lower()


def test_direct_send_to_an_internal_recipient_is_accepted(lab, lab_env, org):
    found, _ = _mx(lab, lab_env, "direct_send", f"noreply@{org.domain}", f"team@{org.domain}")
    assert found.status == Status.PASS


def test_a_tenant_that_rejects_direct_send_is_named_5_7_68(lab, lab_env, org):
    org.exchange.reject_direct_send = True
    found, _ = _mx(lab, lab_env, "direct_send", f"noreply@{org.domain}", f"team@{org.domain}")
    assert (found.status, found.code) == (Status.FAIL, "5.7.68")


def test_a_connector_that_matches_the_seen_ip_relays_to_anyone(lab, lab_env, org):
    org.exchange.connector_ips = {"203.0.113.10"}
    found, _ = _mx(lab, lab_env, "relay_connector", f"sap@{org.domain}", "vendor@partner.example")
    assert found.status == Status.PASS


def test_a_connector_for_another_ip_denies_relay_and_egress_ip_says_why(lab, lab_env, org):
    org.exchange.connector_ips = {"198.51.100.7"}
    config = lab_config(lab, "mx", option="relay_connector", sender=f"sap@{org.domain}", tls="opportunistic",
                        test_recipient="vendor@partner.example", egress_ips=("198.51.100.7",))  # fmt: skip
    keys = ("tcp.connect", "smtp.banner", "smtp.ehlo", "egress.ip", "tls.starttls", "smtp.envelope")
    found = run_chain(make_context(Target(config), lab_env), keys)
    assert found["smtp.envelope"].code == "5.7.64"
    assert (found["egress.ip"].status, found["egress.ip"].code) == (Status.FAIL, "egress.ip_mismatch")
    assert "203.0.113.10" in found["egress.ip"].summary and "198.51.100.7" in found["egress.ip"].summary


def test_a_banned_sending_ip_is_named_with_microsofts_delist_portal(lab, org):
    lab.smtp.nat["sap-banned-nat"] = "192.0.2.66"
    lab.directory.ban("192.0.2.66", "5.7.612")
    env = lab.environment(worker="sap-banned-nat")
    found, _ = _mx(lab, env, "direct_send", f"noreply@{org.domain}", f"team@{org.domain}")
    assert (found.status, found.code) == (Status.FAIL, "5.7.612")
    assert "banned" in found.summary and "sender.office.com" in found.remedy
