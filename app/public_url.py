"""PUBLIC_URL and the address the server listens on (HOST/PORT): the URL derived when
PUBLIC_URL is unset, and whether one that is set can reach this server at all.

"Reached" means the bound HOST/PORT: a PUBLIC_URL naming a loopback or IP address must
name the port we listen on (and, for an IP, an address we listen on). A PUBLIC_URL with a
DNS name is not checked: a proxy or DNS decides where it leads, which we cannot see."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (names them, binds nothing)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _as_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def derived_public_url(host: str, port: int) -> str:
    """What clients on this machine use when PUBLIC_URL is unset; a wildcard HOST (every
    interface) has no single name, so the loopback one stands for it."""
    name = "127.0.0.1" if host in WILDCARD_HOSTS else host
    return f"http://{_url_host(name)}:{port}"


def mismatch(public_url: str, host: str, port: int) -> str | None:
    """Why PUBLIC_URL cannot lead to this server listening on HOST:PORT, or None."""
    parts = urlsplit(public_url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return f"PUBLIC_URL={public_url} is not an http(s) URL with a host"
    try:
        public_port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return f"PUBLIC_URL={public_url} has an invalid port"
    named = f"PUBLIC_URL={public_url}"
    listening = f"the server listens on HOST={host} PORT={port}"
    loopback = is_loopback_host(parts.hostname)
    address = _as_ip(parts.hostname)
    if not loopback and address is None:
        return None  # a DNS name: a proxy may stand in front
    if public_port != port:
        return f"{named} names port {public_port} but {listening}"
    if loopback and host not in WILDCARD_HOSTS and not is_loopback_host(host):
        return f"{named} is a loopback address but {listening}"
    if not loopback and host not in WILDCARD_HOSTS and _as_ip(host) != address:
        return f"{named} names another address than {listening}"
    return None
