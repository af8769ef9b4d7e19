"""tls.certificate: trusted, right name, not expired — and which root SAP must import in STRUST."""

import datetime as dt
import hashlib

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from diagnostics.checks.tls import check_certificate
from diagnostics.context import Target
from diagnostics.findings import Status
from diagnostics.smtp_session import TlsResult
from tests.support.lab_checks import lab_config, make_context, run_chain

TO_CERTIFICATE = ("tcp.connect", "smtp.banner", "smtp.ehlo", "tls.starttls", "tls.certificate")


def _certificate(lab, env, listener, **values):
    ctx = make_context(Target(lab_config(lab, listener, **values)), env)
    return run_chain(ctx, TO_CERTIFICATE)["tls.certificate"]


def _sha1(pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def test_a_trusted_chain_names_the_root_to_import_in_strust(lab, lab_env):
    found = _certificate(lab, lab_env, "submission")
    assert found.status == Status.PASS
    lab_root = _sha1(lab.pki.ca.cert_pem.bytes())
    assert found.facts["root_sha1"] == lab_root
    assert "Mail Health Lab CA" in found.facts["root"]
    assert len(found.facts["chain"]) == 3  # leaf, intermediate, root: like Exchange's chain
    assert "STRUST" in found.summary and lab_root in found.summary
    assert "STRUST" in found.remedy


def test_an_expired_certificate_is_named_with_its_date(lab, lab_env):
    found = _certificate(lab, lab_env, "expired", option="relay_server")
    assert (found.status, found.code) == (Status.FAIL, "tls.certificate_expired")
    assert "expired on" in found.summary and "days ago" in found.summary


def test_a_certificate_for_another_name_is_named_with_the_names_it_has(lab, lab_env):
    found = _certificate(lab, lab_env, "wrong_name", option="relay_server")
    assert (found.status, found.code) == (Status.FAIL, "tls.certificate_name_mismatch")
    assert "smtp.wrong-name.example" in found.summary and "relay-wrongname.lab.test" in found.summary


def test_an_untrusted_certificate_names_the_root_it_ends_at(lab, lab_env):
    found = _certificate(lab, lab_env, "untrusted", option="relay_server")
    assert (found.status, found.code) == (Status.FAIL, "tls.certificate_untrusted")
    assert "Untrusted Lab CA" in found.summary
    assert "STRUST" in found.remedy and "SSSLERR_PEER_CERT_UNTRUSTED" in found.explanation


def test_credentials_never_go_to_a_server_whose_certificate_failed(lab, lab_env, org):
    mailbox = org.mailbox()
    config = lab_config(lab, "expired", option="oauth2", mailbox=mailbox, sender=mailbox)
    token = org.token()
    ctx = make_context(Target(config), lab_env, token=token)
    found = run_chain(ctx)
    assert found["tls.certificate"].code == "tls.certificate_expired"
    assert found["smtp.auth"].status == Status.SKIPPED
    assert "certificate" in found["smtp.auth"].summary
    assert "C: AUTH" not in ctx.shared["smtp"].transcript.text()


def test_exchanges_digicert_root_is_named_with_its_thumbprint_even_when_not_sent():
    # A chain as Exchange sends it: leaf and intermediate, the root (DigiCert Global Root G2) left out.
    key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "DigiCert Global Root G2")])
    leaf_name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "outlook.office365.com")])
    now = dt.datetime.now(dt.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_name)
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=200))
        .sign(key, hashes.SHA256())
    )
    tls = TlsResult(version="TLSv1.3", cipher="x", verify_code=20, verify_message="unable to get local issuer certificate",
                    chain=(leaf.public_bytes(Encoding.DER),))  # fmt: skip
    found = check_certificate(tls, host="smtp.office365.com", now=now)
    assert found.code == "tls.certificate_untrusted"
    assert found.facts["root"] == "DigiCert Global Root G2"
    assert found.facts["root_sha1"] == "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"


def test_a_certificate_that_expires_soon_is_a_warning(lab):
    ca = trustme.CA()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    leaf = ca.issue_cert("relay.lab.test", not_after=soon)
    chain = tuple(x509.load_pem_x509_certificate(p.bytes()).public_bytes(Encoding.DER) for p in leaf.cert_chain_pems)
    root = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).public_bytes(Encoding.DER)
    tls = TlsResult(version="TLSv1.3", cipher="x", verified=True, chain=(*chain, root))
    found = check_certificate(tls, host="relay.lab.test", now=dt.datetime.now(dt.UTC))
    assert (found.status, found.code) == (Status.WARN, "tls.certificate_expiring")


def test_without_tls_there_is_no_certificate_to_check():
    assert check_certificate(None, host="x", now=dt.datetime.now(dt.UTC)).status == Status.SKIPPED


def test_a_relay_that_omits_its_intermediate_is_told_to_send_the_full_chain_not_to_import_a_root(lab, lab_env):
    found = _certificate(lab, lab_env, "no_intermediate", option="relay_server")
    assert (found.status, found.code) == (Status.FAIL, "tls.chain_incomplete")
    assert "without the intermediate CA" in found.summary and "not in STRUST" in found.summary
    assert found.facts["root"] == ""  # the intermediate is never named as the root to import
    assert "full chain" in found.remedy and "smtpd_tls_chain_files" in found.remedy


def test_an_unknown_issuer_that_was_not_sent_is_not_called_a_root_for_certain(lab):
    rogue = trustme.CA(organization_name="Unknown Corp CA").create_child_ca()
    leaf = rogue.issue_cert("relay.corp.test")
    der = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes()).public_bytes(Encoding.DER)
    tls = TlsResult(version="TLSv1.3", cipher="x", verified=False, verify_code=20, chain=(der,))
    found = check_certificate(
        tls, host="relay.corp.test", now=dt.datetime.now(dt.UTC), trusted_organizations=frozenset({"Other"})
    )
    assert found.code == "tls.certificate_untrusted"
    assert "if it is an intermediate, the server must send it" in found.summary
