"""The generated relay configuration, applied to a real Postfix and relayed through to the lab.

For every upstream a Postfix relay can use, the guide's files (main.cf, the SAP networks table, the
password table, the relay's certificate) go into a private Postfix instance; ``postfix check`` must
pass, SAP's side (STARTTLS, verified against the relay's certificate) must be accepted, and the
message must reach the lab listener that plays Exchange Online — whose certificate chains to the
CA file the relay uses and names the upstream. A listener with an untrusted certificate, or a
trusted one for another name, must get nothing: no AUTH, no message, and Postfix's log says why.

What the test changes in the generated text, and why: the upstream's "[name]:port" becomes the lab
listener's "[127.0.0.1]:port" (Postfix resolves names through the system's DNS, which knows no lab
names, and the lab listens on free ports), and /etc/postfix in shell steps becomes the instance's
config directory. The certificate check still uses the generated match list (the upstream's name).
"""

from __future__ import annotations

import re
import shlex
import smtplib
import ssl
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

from connectors import postfix
from connectors.config import MailConfig
from connectors.endpoints import UPSTREAM_OPTIONS
from connectors.guide import Guide
from connectors.options import relay_server
from lab.pki import LabPki
from lab.smtp import LAB_EGRESS_IP, LabSmtp
from tests.support.network import free_port
from tests.support.postfix_instance import COMMAND_TIMEOUT, PostfixInstance, environment

pytestmark = pytest.mark.postfix

RELAY = "mailrelay.lab.test"  # what SAP's SCOT node points at; the relay's certificate names it
DOMAIN = "contoso.lab.test"
SENDER = f"sap-prd@{DOMAIN}"
PARTNER = "orders@fabrikam.example"  # outside the tenant: only a matching connector may relay there
PASSWORD = "Lab-relay-passw0rd:with spaces"  # typed on the relay when the password table is written
SAP_SERVER = "127.0.0.2"  # a SAP application server: the test adds it to the SAP networks table
STRANGER = "127.0.0.3"  # an address not in the table


@dataclass(frozen=True)
class Upstream:
    name: str
    values: dict[str, Any]  # the relay_server setup
    listener: str  # the lab listener that plays Exchange Online for this upstream
    recipient: str
    tenant: dict[str, Any] = field(default_factory=dict)  # what Exchange knows (lab.smtp.ExchangeTenant)


UPSTREAMS = (
    Upstream(
        "relay_connector",
        {"upstream_option": "relay_connector", "egress_ips": (LAB_EGRESS_IP,)},
        "mx",
        PARTNER,
        {"connector_ips": {LAB_EGRESS_IP}},
    ),
    Upstream(
        "relay_connector_certificate",
        {"upstream_option": "relay_connector", "credential": "certificate"},
        "mx",
        PARTNER,
        {"connector_certificates": {DOMAIN}},  # matched by the relay's client certificate alone
    ),
    Upstream("direct_send", {"upstream_option": "direct_send"}, "mx", f"it-ops@{DOMAIN}"),
    Upstream("smtp_basic", {"upstream_option": "smtp_basic", "mailbox": SENDER}, "submission", PARTNER),
)
IMPOSTORS = (("untrusted", "untrusted issuer"), ("wrong_name", "hostname mismatch"))


@dataclass
class Relay:
    config: MailConfig
    guide: Guide
    instance: PostfixInstance
    upstream: Upstream
    listener: str

    def command(self, key: str) -> str:
        command = self.guide.step(key).command
        assert command is not None, key
        return command.text

    def swaks_lines(self) -> tuple[str, str]:
        """The test step's two swaks commands: straight to the upstream, then through Postfix."""
        direct, through_postfix = (
            line for line in self.command("relay.test").splitlines() if line.startswith("swaks ")
        )
        return direct, through_postfix


def test_every_upstream_a_postfix_relay_supports_is_applied_here() -> None:
    assert {u.values["upstream_option"] for u in UPSTREAMS} == {
        o for o in UPSTREAM_OPTIONS if postfix.supports_upstream(o)
    }


@pytest.fixture
def lab() -> Iterator[LabSmtp]:
    pki = LabPki()
    smtp = LabSmtp(pki).start()
    try:
        yield smtp
    finally:
        smtp.stop()
        pki.close()


@pytest.fixture(scope="session")
def instances() -> Iterator[list[PostfixInstance]]:
    """Every instance of the session: stopped after its test, waited for and removed once at the end
    (a Postfix master takes about a second to exit; the waits overlap instead of adding up)."""
    made: list[PostfixInstance] = []
    yield made
    for instance in made:
        instance.remove()


@pytest.fixture
def relay_for(lab: LabSmtp, instances: list[PostfixInstance]) -> Iterator[Callable[[Upstream, str], Relay]]:
    """Builds the relay for an upstream from the guide's steps, routed to one lab listener."""
    built: list[Relay] = []

    def build(upstream: Upstream, listener: str) -> Relay:
        config = MailConfig(
            sid="PRD",
            client="100",
            option="relay_server",
            cloud="lab",
            smtp_host=RELAY,
            sender=SENDER,
            test_recipient=upstream.recipient,
            **upstream.values,
        )
        lab.directory.add_tenant(str(uuid.uuid4()), DOMAIN, **upstream.tenant)
        if upstream.values["upstream_option"] == "smtp_basic":
            lab.directory.add_mailbox(SENDER, password=PASSWORD)
        guide = relay_server.steps(config)
        names = postfix.relay_names(config, certificate_name=DOMAIN if "credential" in upstream.values else "")
        assert isinstance(names, postfix.RelayNames)
        instance = PostfixInstance(port=free_port())
        instances.append(instance)
        relay = Relay(config, guide, instance, upstream, listener)
        built.append(relay)

        generated_hop, lab_hop = postfix.next_hop(names), f"[127.0.0.1]:{lab.port(listener)}"

        def routed(text: str) -> str:
            return text.replace(generated_hop, lab_hop).replace(
                postfix.CONFIG_DIRECTORY, str(instance.config_directory)
            )

        main_cf = relay.command("relay.postfix")
        assert f"relayhost = {generated_hop}\n" in main_cf
        instance.install_main_cf(routed(main_cf))
        instance.write("lab-ca.pem", lab.pki.ca.cert_pem.bytes())  # as the step tells a lab relay to
        # The SAP networks table as generated, plus one SAP server in the format the step shows.
        table = relay.command("relay.sap_networks")
        instance.write(postfix.SAP_NETWORKS_FILE, table + f"{SAP_SERVER}/32    sap-app-server-test\n")
        _install_certificate(instance, lab.pki, names.server_certificate, RELAY)
        if names.client_certificate:
            _install_certificate(instance, lab.pki, names.client_certificate, names.client_certificate)
        permissions = instance.shell(routed(relay.command("relay.certificate")))
        assert permissions.returncode == 0, permissions.stderr
        if guide.has_step("relay.sasl_passwd"):
            stored = instance.shell(routed(relay.command("relay.sasl_passwd")), stdin=PASSWORD + "\n")
            assert stored.returncode == 0, stored.stderr
            assert PASSWORD not in stored.stdout + stored.stderr  # typed, never echoed
        return relay

    yield build
    for relay in built:
        relay.instance.stop()


def _install_certificate(instance: PostfixInstance, pki: LabPki, stem: str, name: str) -> None:
    leaf = pki.ca.issue_cert(name)
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    instance.write(f"{postfix.TLS_DIRECTORY}/{stem}.crt", chain)
    instance.write(f"{postfix.TLS_DIRECTORY}/{stem}.key", leaf.private_key_pem.bytes(), mode=0o600)


def _check_and_start(relay: Relay) -> None:
    checked = relay.instance.check()
    assert checked.returncode == 0, checked.stdout + checked.stderr + relay.instance.log()
    assert checked.stdout == checked.stderr == ""
    assert relay.instance.trouble() == []  # postfix check logs its warnings to maillog_file
    relay.instance.start()


def _send_as_sap(relay: Relay, lab: LabSmtp, *, source: str = SAP_SERVER) -> tuple[str, str]:
    """SAP's side: STARTTLS with the relay's certificate verified by the relay's name, then a message.
    Returns (Postfix queue id, Message-ID)."""
    message = EmailMessage()
    message_id = f"<{uuid.uuid4()}@sapprd.lab.test>"
    message["From"], message["To"], message["Subject"] = SENDER, relay.upstream.recipient, "Relay test"
    message["Message-ID"] = message_id
    message.set_content("Sent through the generated Postfix relay.")
    context = ssl.create_default_context(cafile=str(lab.pki.ca_pem_path))
    with smtplib.SMTP(
        "127.0.0.1", relay.instance.port, local_hostname="sapprd.lab.test", source_address=(source, 0), timeout=10
    ) as client:
        client._host = RELAY  # smtplib verifies the name it connected to; SAP connects by the relay's name
        client.starttls(context=context)
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[union-attr]
        client.ehlo("sapprd.lab.test")
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt(relay.upstream.recipient)[0] == 250
        code, reply = client.data(message.as_bytes())
    assert code == 250, reply
    queued = re.search(r"queued as (\w+)", reply.decode())
    assert queued, reply
    return queued.group(1), message_id


def _swaks(relay: Relay, line: str, *, server: str, port: int) -> subprocess.CompletedProcess[str]:
    """A generated swaks line, sent to the lab: only --server and --port change (paths are routed)."""
    args = shlex.split(line.replace(postfix.CONFIG_DIRECTORY, str(relay.instance.config_directory)))
    assert args[0] == "swaks"
    args[args.index("--server") + 1] = server
    args[args.index("--port") + 1] = str(port)
    env = environment(relay.instance.config_directory)
    if "--auth" in args:
        env["SWAKS_OPT_auth_password"] = PASSWORD  # what swaks asks for (an option given in the environment)
    return subprocess.run(args, input="", capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=env, check=False)


@pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.name)
def test_the_generated_relay_passes_postfix_check_and_delivers_to_the_trusted_listener(
    upstream: Upstream, relay_for: Callable[[Upstream, str], Relay], lab: LabSmtp
) -> None:
    relay = relay_for(upstream, upstream.listener)
    _check_and_start(relay)
    queue_id, message_id = _send_as_sap(relay, lab)
    relay.instance.wait_for_log(rf"{queue_id}: to=<{re.escape(upstream.recipient)}>.*status=sent")

    received = lab.received(message_id)
    assert received is not None and received.listener == upstream.listener
    assert received.rcpt_tos == (upstream.recipient,)
    assert f"Verified TLS connection established to 127.0.0.1[127.0.0.1]:{lab.port(upstream.listener)}" in (
        relay.instance.log()
    )
    if upstream.values["upstream_option"] == "smtp_basic":
        assert received.identity == SENDER
        assert [(a.listener, a.user, a.secret) for a in lab.auth_attempts] == [("submission", SENDER, PASSWORD)]
    else:
        assert received.identity is None and lab.auth_attempts == []

    # The step's second test command: through Postfix, the way SAP sends.
    through_postfix = relay.swaks_lines()[1]
    sent = _swaks(relay, through_postfix, server="127.0.0.1", port=relay.instance.port)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    relay.instance.wait_for_log(r"status=sent(?s:.*)status=sent")
    assert len(lab.messages) == 2 and {m.listener for m in lab.messages} == {upstream.listener}
    # No compatibility_level, alias or table warnings, nothing smtpd died of.
    assert relay.instance.trouble() == []


@pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.name)
@pytest.mark.parametrize(("impostor", "reason"), IMPOSTORS, ids=[i for i, _ in IMPOSTORS])
def test_a_listener_with_an_untrusted_or_other_names_certificate_gets_no_auth_and_no_message(
    upstream: Upstream, impostor: str, reason: str, relay_for: Callable[[Upstream, str], Relay], lab: LabSmtp
) -> None:
    relay = relay_for(upstream, impostor)
    _check_and_start(relay)
    queue_id, _ = _send_as_sap(relay, lab)
    relay.instance.wait_for_log(rf"{queue_id}: to=<.*status=deferred \(Server certificate not verified\)")

    assert re.search(
        rf"certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: .*{reason}", relay.instance.log()
    )
    assert lab.connects[impostor] >= 1  # Postfix did reach it...
    assert lab.auth_attempts == []  # ...and sent no password,
    assert lab.messages == []  # and no message.
    assert relay.instance.trouble() == []


def test_with_encrypt_instead_of_secure_the_impostor_gets_the_password_and_the_message(
    relay_for: Callable[[Upstream, str], Relay], lab: LabSmtp
) -> None:
    # The configuration before the fix, in the same rig: proves the impostor listeners above can be fooled.
    basic = next(u for u in UPSTREAMS if u.name == "smtp_basic")
    relay = relay_for(basic, "wrong_name")
    main_cf = relay.instance.config_directory / "main.cf"
    main_cf.write_text(
        main_cf.read_text().replace("smtp_tls_security_level = secure", "smtp_tls_security_level = encrypt")
    )
    _check_and_start(relay)
    queue_id, _ = _send_as_sap(relay, lab)
    relay.instance.wait_for_log(rf"{queue_id}: to=<.*status=sent")
    assert [(a.listener, a.secret) for a in lab.auth_attempts] == [("wrong_name", PASSWORD)]
    assert [m.listener for m in lab.messages] == ["wrong_name"]


def test_only_the_sap_servers_in_the_table_may_relay(relay_for: Callable[[Upstream, str], Relay], lab: LabSmtp) -> None:
    relay = relay_for(UPSTREAMS[0], "mx")
    listed = subprocess.run(
        ["postmap", "-q", SAP_SERVER, f"cidr:{relay.instance.config_directory / postfix.SAP_NETWORKS_FILE}"],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        env=environment(relay.instance.config_directory),
        check=False,
    )
    assert listed.stdout.strip() == "sap-app-server-test"
    _check_and_start(relay)
    with smtplib.SMTP("127.0.0.1", relay.instance.port, source_address=(STRANGER, 0), timeout=10) as client:
        client.ehlo("stranger.lab.test")
        assert client.mail(SENDER)[0] == 250
        code, reply = client.rcpt(PARTNER)
    assert code == 554 and reply.endswith(b"Access denied")  # smtpd_relay_restrictions: permit_mynetworks, reject
    _send_as_sap(relay, lab)  # the listed SAP server may
    assert relay.instance.trouble() == []


@pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.name)
def test_the_generated_swaks_command_reaches_the_upstream_directly(
    upstream: Upstream, relay_for: Callable[[Upstream, str], Relay], lab: LabSmtp
) -> None:
    relay = relay_for(upstream, upstream.listener)  # its files only: no Postfix runs in this test
    direct = relay.swaks_lines()[0]
    sent = _swaks(relay, direct, server="127.0.0.1", port=lab.port(upstream.listener))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert [m.listener for m in lab.messages] == [upstream.listener]
    if upstream.values["upstream_option"] == "smtp_basic":
        assert [(a.listener, a.user) for a in lab.auth_attempts] == [("submission", SENDER)]
        assert PASSWORD not in sent.stdout  # --protect-prompt: swaks does not echo it
