"""The lab's certificate authority: trustme certificates for the Exchange and Entra stand-ins.

One CA signs the good certificates; a second, never-trusted CA signs the "untrusted" ones.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import warnings
from pathlib import Path

import trustme

LAB_CA_ORGANIZATION = "Mail Health Lab CA"


class LabPki:
    def __init__(self, directory: str | Path | None = None) -> None:
        self._tmp = None if directory else tempfile.TemporaryDirectory(prefix="mailhealth-lab-pki-")
        self.directory = Path(directory or self._tmp.name)  # type: ignore[union-attr]
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca_pem_path = self.directory / "lab-ca.pem"
        key_path = self.directory / "lab-ca.key"
        if directory and self.ca_pem_path.exists() and key_path.exists():
            # The demo keeps its CA across restarts: web and worker trust the file written once.
            self.ca = trustme.CA.from_pem(self.ca_pem_path.read_bytes(), key_path.read_bytes())
        else:
            self.ca = trustme.CA(organization_name=LAB_CA_ORGANIZATION)
            self.ca.cert_pem.write_to_path(str(self.ca_pem_path))
            self.ca.private_key_pem.write_to_path(str(key_path))
        self.rogue_ca = trustme.CA(organization_name="Untrusted Lab CA")

    def issue(
        self,
        *hostnames: str,
        expired: bool = False,
        untrusted: bool = False,
    ) -> trustme.LeafCert:
        ca = self.rogue_ca if untrusted else self.ca
        if expired:
            not_after = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
            return ca.issue_cert(*hostnames, not_after=not_after)
        return ca.issue_cert(*hostnames)

    def server_context(
        self,
        *hostnames: str,
        expired: bool = False,
        untrusted: bool = False,
        maximum_version: ssl.TLSVersion | None = None,
    ) -> ssl.SSLContext:
        """A server-side context; ``maximum_version`` below TLS 1.2 plays an outdated server."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if maximum_version is not None:
            with warnings.catch_warnings():
                # Playing an outdated server is the point: Python's deprecation of TLS 1.0 is expected.
                warnings.simplefilter("ignore", DeprecationWarning)
                if maximum_version < ssl.TLSVersion.TLSv1_2:
                    # OpenSSL 3 refuses TLS 1.0/1.1 at its default security level.
                    context.set_ciphers("DEFAULT:@SECLEVEL=0")
                    context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = maximum_version
        self.issue(*hostnames, expired=expired, untrusted=untrusted).configure_cert(context)
        return context

    def cert_files(self, *hostnames: str, name: str) -> tuple[Path, Path]:
        """Certificate chain and key as files, for servers that want paths (the Entra stand-in)."""
        leaf = self.issue(*hostnames)
        cert_path = self.directory / f"{name}.pem"
        key_path = self.directory / f"{name}.key"
        cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(key_path))
        return cert_path, key_path

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
