"""The lab's Exchange Online stand-in: Exchange's words, its rules, and the faults on their own ports."""

import base64
import smtplib
import socket
import ssl
import time

import dns.resolver
import pytest

from connectors.clouds import CLOUDS
from lab import FIXED_PORTS
from lab.smtp import LISTENERS, UNREACHABLE_ADDRESS, UNREACHABLE_HOST


def _client(lab, listener="submission", *, name="sap-app-01"):
    client = smtplib.SMTP("127.0.0.1", lab.port(listener), local_hostname=name, timeout=2)
    client.starttls(context=ssl._create_unverified_context())
    client.ehlo(name)
    return client


def test_the_demo_ports_are_the_lab_clouds_endpoints():
    lab_cloud = CLOUDS["lab"]
    assert FIXED_PORTS["submission"] == lab_cloud.smtp_port == 2587
    assert FIXED_PORTS["mx"] == lab_cloud.mx_port == 2525
    assert f"login.microsoftonline.lab.test:{FIXED_PORTS['entra']}" == lab_cloud.login_host
    assert len(set(FIXED_PORTS.values())) == len(FIXED_PORTS)


def test_every_listener_has_its_own_port_and_a_name_in_the_lab_dns(lab):
    assert len({lab.port(item.name) for item in LISTENERS}) == len(LISTENERS)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], lab.dns.port
    for item in LISTENERS:
        host = "good-lab-test.mail.protection.lab.test" if item.host.startswith("<") else item.host
        assert [r.address for r in resolver.resolve(host, "A")] == ["127.0.0.1"], host
    assert [r.address for r in resolver.resolve(UNREACHABLE_HOST, "A")] == [UNREACHABLE_ADDRESS]


def test_it_greets_and_answers_ehlo_in_exchanges_words(lab):
    client = smtplib.SMTP(local_hostname="sap-app-01", timeout=2)
    try:
        code, banner = client.connect("127.0.0.1", lab.port("submission"))
        assert code == 220 and "Microsoft ESMTP MAIL Service ready at" in banner.decode()
        code, text = client.ehlo("sap-app-01")
        assert code == 250 and "Hello [203.0.113.10]" in text.decode().splitlines()[0]
        assert client.has_extn("starttls") and not client.has_extn("auth")
    finally:
        client.quit()


def test_auth_login_prompts_like_exchange_and_long_xoauth2_lines_fit(lab, org):
    mailbox = org.mailbox(password="pw-login")
    client = _client(lab)
    try:
        assert client.docmd("AUTH", "LOGIN") == (334, b"VXNlcm5hbWU6")  # "Username:"
        client.docmd(base64.b64encode(mailbox.encode()).decode())
        assert client.docmd(base64.b64encode(b"pw-login").decode())[0] == 235
    finally:
        client.quit()
    client = _client(lab)
    try:
        line = base64.b64encode(f"user={mailbox}\x01auth=Bearer {org.token()}\x01\x01".encode()).decode()
        assert len(line) > 512  # aiosmtpd's default command limit would refuse it
        assert client.docmd("AUTH", f"XOAUTH2 {line}")[0] == 235
    finally:
        client.quit()


def test_received_messages_are_kept_for_assertions(lab, org):
    mailbox = org.mailbox(password="pw-keep")
    client = _client(lab)
    try:
        client.login(mailbox, "pw-keep")
        client.sendmail(mailbox, ["x@partner.example"], b"Message-ID: <keep-1@lab>\r\nSubject: hi\r\n\r\nbody\r\n")
    finally:
        client.quit()
    kept = lab.smtp.received("<keep-1@lab>")
    assert kept.identity == mailbox and kept.mail_from == mailbox and kept.listener == "submission"


def test_connections_are_counted_per_mailbox_and_released_on_quit(lab, org):
    mailbox = org.mailbox(password="pw-count")
    clients = [_client(lab) for _ in range(2)]
    for client in clients:
        client.login(mailbox, "pw-count")
    assert lab.smtp.connections(mailbox) == 2
    for client in clients:
        client.quit()
    deadline = time.monotonic() + 2
    while lab.smtp.connections(mailbox) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lab.smtp.connections(mailbox) == 0


def test_the_filtered_port_really_drops_syns_on_this_machine(lab):
    with socket.socket() as sock:
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.connect(("127.0.0.1", lab.port("filtered")))


def test_the_closed_port_really_refuses(lab):
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", lab.port("closed")))


def test_the_environment_points_every_check_at_the_lab(lab):
    env = lab.environment(timeout=0.7)
    assert env.nameservers == ((("127.0.0.1", lab.dns.port)),)
    assert env.extra_ca_bundle == str(lab.pki.ca_pem_path)
    assert env.login_base == lab.entra.lab_url and env.allow_loopback and env.timeout == 0.7
    assert "submission" in lab.describe()
