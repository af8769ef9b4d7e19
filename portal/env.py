"""Small readers for settings from the environment that fail loudly on bad values."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/true/yes/on or 0/false/no/off")


def _is_number(text: str) -> bool:
    """Digits 0-9 only: int() also reads other scripts' digits and underscores, isdigit() says yes to ²."""
    return text.isascii() and text.isdigit()


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not _is_number(raw.removeprefix("-")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number (digits 0-9)")
    return int(raw)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_minutes(name: str, default: str) -> dict[str, int]:
    """``KEY:minutes`` comma-separated ("PRD:15,default:60"), whole minutes of at least 1 in digits 0-9.

    The keys are checked where their vocabulary lives (a system check): settings import no application code.
    """
    found: dict[str, int] = {}
    for item in env_list(name) or default.split(","):
        key, _, minutes = item.partition(":")
        key, minutes = key.strip(), minutes.strip()
        if not key or not _is_number(minutes) or int(minutes) < 1:
            raise ImproperlyConfigured(f"{name}: {item!r} is not KEY:minutes (e.g. PRD:15), minutes in digits 0-9")
        found[key] = int(minutes)
    return found


def env_ports(name: str, default: str) -> frozenset[int]:
    ports = set()
    for item in env_list(name) or default.split(","):
        if not _is_number(item) or not 0 < int(item) < 65536:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a TCP port")
        ports.add(int(item))
    return frozenset(ports)


def env_proxy_header(name: str, default: str) -> tuple[str, str] | None:
    """The header a TLS proxy sets to ``https`` (``X-Forwarded-Proto``), as Django wants it; ``off``: none.

    Only trust it when every request comes through that proxy, which overwrites what a client sent.
    """
    raw = env_str(name) or default
    if raw.lower() in FALSE | {"none"}:
        return None
    if not raw.replace("-", "").isalnum() or not raw.isascii():
        raise ImproperlyConfigured(f"{name}={raw!r} is not a header name (e.g. X-Forwarded-Proto) or off")
    return ("HTTP_" + raw.upper().replace("-", "_"), "https")


def parse_nameservers(name: str) -> tuple[tuple[str, int], ...]:
    """``host[:port]`` comma-separated, port 53 by default, IPv6 as ``[::1]:5353``."""
    servers = []
    for item in env_list(name):
        host, port = item, "53"
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            if rest:
                if not rest.startswith(":"):
                    raise ImproperlyConfigured(f"{name}: {item!r} is not [ipv6]:port")
                port = rest[1:]
        elif item.count(":") == 1:
            host, port = item.split(":")
        if not host or not _is_number(port) or not 0 < int(port) < 65536:
            raise ImproperlyConfigured(f"{name}: {item!r} is not host[:port]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # A name server is asked by address: resolving its name would need a name server.
            raise ImproperlyConfigured(
                f"{name}: {host!r} is not an IP address; name servers are given by address"
            ) from None
        servers.append((host, int(port)))
    return tuple(servers)


def env_url_base(name: str) -> str | None:
    raw = env_str(name)
    if not raw:
        return None
    if not raw.startswith(("https://", "http://")) or raw.rstrip("/").count("/") > 2:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a base URL with scheme, e.g. https://localhost:8443")
    return raw.rstrip("/")


def env_days(name: str, default: str) -> tuple[int, ...]:
    """Whole days, most distant first: "30,14,7,1"."""
    days = set()
    for item in env_list(name) or default.split(","):
        if not _is_number(item) or int(item) < 1:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a number of days (1 or more)")
        days.add(int(item))
    return tuple(sorted(days, reverse=True))


def env_json_list(name: str) -> list[dict[str, str]] | None:
    raw = env_str(name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc.msg}") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ImproperlyConfigured(f"{name} must be a JSON list of objects")
    return value


def generated_secret(path: Path, make: Callable[[], str]) -> str:
    """A key kept in the data folder (embedded mode only), created on first use.

    The web server, the worker and beat may start at the same moment on an empty folder: the key
    is written whole to a private file and published with a hard link, which fails if another
    process published first; the loser then reads the winner's key, so all agree and none sees a
    half-written file. Where the file system has no hard links (some network shares), the first
    process to create the file writes it, and the others wait until it holds a key.
    """
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        os.link(draft, path)
    except FileExistsError:
        pass
    except OSError:  # no hard links here
        _create_once(path, Path(draft).read_text())
    finally:
        os.unlink(draft)
    return _read_key(path)


def _create_once(path: Path, value: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process writes it: _read_key waits for it
    with os.fdopen(fd, "w") as handle:
        handle.write(value)


def _read_key(path: Path, *, wait: float = 5.0) -> str:
    """The key in ``path``, waiting up to ``wait`` seconds while another process is still writing it."""
    deadline = time.monotonic() + wait
    while not (value := path.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not value:
        raise ImproperlyConfigured(f"{path} is empty: delete it and start again, or set the key in the environment")
    return value


def new_django_key() -> str:
    return secrets.token_urlsafe(50)
