"""MSAL for a diagnosis: a fresh ConfidentialClientApplication over an HTTP session we control.

Why not MSAL's own session: it sets no timeout on a custom http_client, and requests lets
REQUESTS_CA_BUNDLE (set on these machines, and on many corporate hosts) replace ``verify`` — the
extra CA of PORTAL_EXTRA_CA_BUNDLE would silently stop being trusted. So the session ignores the
process environment (``trust_env=False``), takes its proxy from PORTAL_HTTPS_PROXY, verifies
against the system store plus the extra bundle, and bounds every request with the timeout.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
from pathlib import Path
from typing import Any

import msal
import requests


class BoundedSession(requests.Session):
    """A requests session whose every request has a timeout and our trust, whatever the caller passes."""

    def __init__(self, *, timeout: float, verify: str | bool, https_proxy: str | None = None) -> None:
        super().__init__()
        self.trust_env = False  # REQUESTS_CA_BUNDLE / HTTPS_PROXY from the environment do not decide
        self.verify = verify
        self.timeout = timeout
        if https_proxy:
            self.proxies = {"https": https_proxy, "http": https_proxy}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = self.timeout  # MSAL passes none
        kwargs["verify"] = self.verify
        return super().request(method, url, *args, **kwargs)


def system_ca_file() -> str | None:
    """The OpenSSL default CA file (the system store), as ``ssl.create_default_context`` uses it."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def trust_bundle(extra_ca_bundle: str | None) -> str | bool:
    """A CA file trusting the system store plus ``extra_ca_bundle``; written once per content."""
    system = system_ca_file()
    if not extra_ca_bundle:
        return system or True
    content = (Path(system).read_bytes() if system else b"") + b"\n" + Path(extra_ca_bundle).read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"mailhealth-ca-{digest}.pem"
    if not path.exists():
        # Write aside and rename: concurrent diagnoses may build the same bundle at once.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".mailhealth-ca-", delete=False) as handle:
            handle.write(content)
        os.replace(handle.name, path)
    return str(path)


def http_session(*, timeout: float, extra_ca_bundle: str | None, https_proxy: str | None) -> BoundedSession:
    return BoundedSession(timeout=timeout, verify=trust_bundle(extra_ca_bundle), https_proxy=https_proxy)


def confidential_app(
    client_id: str,
    credential: str | dict[str, str],
    *,
    authority: str,
    session: requests.Session,
) -> msal.ConfidentialClientApplication:
    """A new app per diagnosis: MSAL caches discovery (24 h) and identical 400 replies (60 s) per instance.

    The constructor does network I/O (OpenID discovery) and raises ValueError for an unknown tenant.
    Instance discovery is off: the authority's host comes from our cloud table or
    PORTAL_LOGIN_AUTHORITY_HOST, so asking login.microsoftonline.com to validate it adds a call to
    the wrong cloud at worst (and to a host that does not know the lab).
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=authority,
        http_client=session,
        instance_discovery=False,
        token_cache=msal.TokenCache(),
    )


def discovery_url(authority: str) -> str:
    return f"{authority.rstrip('/')}/v2.0/.well-known/openid-configuration"
