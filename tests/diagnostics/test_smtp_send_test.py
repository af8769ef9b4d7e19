"""send.test: a real message with a unique Message-ID, the server's queue id, the whole transcript redacted."""

from diagnostics.checks.smtp import parse_queue_id
from diagnostics.context import Target
from diagnostics.findings import Status
from tests.support.lab_checks import UP_TO_ENVELOPE, lab_config, make_context, run_chain

WITH_SEND = (*UP_TO_ENVELOPE, "send.test")


def _send(lab, env, org, mailbox, send_to, **values):
    config = lab_config(lab, "submission", mailbox=mailbox, sender=mailbox, **values)
    token = org.token()
    ctx = make_context(Target(config, send_to=send_to), env, token=token)
    return run_chain(ctx, WITH_SEND)["send.test"], token


def test_a_test_message_arrives_with_its_message_id_and_queue_id(lab, lab_env, org):
    mailbox = org.mailbox()
    found, token = _send(lab, lab_env, org, mailbox, "helpdesk@partner.example")
    assert found.status == Status.PASS
    received = lab.smtp.received(found.facts["message_id"])
    assert received is not None
    assert received.rcpt_tos == ("helpdesk@partner.example",) and received.identity == mailbox
    assert found.facts["queue_id"] == "LAB0PR01CA0001.outlook.office365.lab.test"  # 587 names the server only
    assert found.facts["subject"].startswith("SAP Mail Health test TST/100")


def test_the_transcript_is_complete_but_never_shows_the_token(lab, lab_env, org):
    mailbox = org.mailbox()
    found, token = _send(lab, lab_env, org, mailbox, "helpdesk@partner.example")
    transcript = found.evidence
    for step in (
        "S: 220 ",
        "C: ehlo",
        "C: STARTTLS",
        "C: AUTH XOAUTH2 <redacted>",
        "C: RSET",
        "C: data",
        "Message-ID:",
    ):
        assert step in transcript
    assert token not in transcript
    assert "[body:" in transcript  # the body itself is summarised, not copied


def test_each_test_message_gets_its_own_message_id(lab, lab_env, org):
    mailbox = org.mailbox()
    first, _ = _send(lab, lab_env, org, mailbox, "a@partner.example")
    second, _ = _send(lab, lab_env, org, mailbox, "a@partner.example")
    assert first.facts["message_id"] != second.facts["message_id"]


def test_a_message_over_the_mailbox_limit_is_named_5_3_4(lab, lab_env, org):
    mailbox = org.mailbox(max_send_size=200)
    found, _ = _send(lab, lab_env, org, mailbox, "a@partner.example")
    assert (found.status, found.code) == (Status.FAIL, "5.3.4")
    assert "MaxSendSize" in found.remedy
    assert lab.smtp.received(found.facts["message_id"]) is None


def test_without_a_recipient_no_message_is_sent(lab, lab_env, org):
    mailbox = org.mailbox()
    config = lab_config(lab, "submission", mailbox=mailbox, sender=mailbox)
    found = run_chain(make_context(Target(config), lab_env, token=org.token()), WITH_SEND)["send.test"]
    assert found.status == Status.SKIPPED


def test_the_mx_endpoints_internal_id_is_the_queue_id(lab, lab_env, org):
    config = lab_config(lab, "mx", option="direct_send", sender=f"noreply@{org.domain}", tls="opportunistic")
    keys = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls", "smtp.envelope", "send.test")
    found = run_chain(make_context(Target(config, send_to=f"team@{org.domain}"), lab_env), keys)["send.test"]
    assert found.status == Status.PASS
    assert found.facts["queue_id"] == lab.smtp.received(found.facts["message_id"]).queue_id


def test_a_relay_servers_postfix_queue_id_is_read_too(lab, lab_env):
    config = lab_config(lab, "tls10", option="relay_server", sender="sap@good.lab.test", tls="opportunistic")
    keys = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls", "smtp.envelope", "send.test")
    found = run_chain(make_context(Target(config, send_to="ops@good.lab.test"), lab_env), keys)["send.test"]
    assert found.status == Status.PASS
    assert found.facts["queue_id"] == lab.smtp.received(found.facts["message_id"]).queue_id


def test_queue_ids_are_read_from_the_usual_reply_formats():
    assert parse_queue_id("2.0.0 Ok: queued as 4F3A21C0D2") == "4F3A21C0D2"
    exchange = (
        "2.6.0 <a@b> [InternalId=12345678, Hostname=AM0PR01MB1.eurprd01.prod.outlook.com] Queued mail for delivery"
    )
    assert parse_queue_id(exchange) == "12345678"
    assert parse_queue_id("2.0.0 OK <x@y> [Hostname=DB8PR02MB5883.eurprd02.prod.outlook.com]") == (
        "DB8PR02MB5883.eurprd02.prod.outlook.com"
    )
    assert parse_queue_id("2.0.0 Message accepted") == "Message accepted"
