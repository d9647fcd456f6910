"""The one outbound HTTP call: SSRF-checked, pinned to the checked address, no redirects,
10 s timeout, at most 64 KiB of the response read."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from events.exceptions import (
    MSG_URL_PRIVATE,
    MSG_URL_SCHEME,
    MSG_URL_UNRESOLVABLE,
    WebhookUrlRefused,
)

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "customer-api-webhooks/1"


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_url(url: str, *, must_resolve: bool = True) -> tuple[str, str, int, str | None]:
    """(scheme, host, port, address to connect to) for an acceptable URL; else
    WebhookUrlRefused. Every address the host resolves to must be public unless
    WEBHOOKS_ALLOW_PRIVATE_URLS is on, and the connection goes to the one checked, so a DNS
    answer that changes between check and connect (rebinding) cannot slip past. With
    `must_resolve=False` (saving an endpoint) a host that does not resolve yet passes: it is
    checked again at every delivery."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused(MSG_URL_SCHEME)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        if not must_resolve:
            return parts.scheme, parts.hostname, port, None
        raise WebhookUrlRefused(MSG_URL_UNRESOLVABLE) from exc
    except ValueError as exc:  # a bad port (UnicodeError, also a ValueError, is above)
        raise WebhookUrlRefused(MSG_URL_SCHEME) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise WebhookUrlRefused(MSG_URL_UNRESOLVABLE)
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS and not all(map(_is_public, addresses)):
        raise WebhookUrlRefused(MSG_URL_PRIVATE)
    return parts.scheme, parts.hostname, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with SNI and certificate checks for the URL's host."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    status: int | None
    latency_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post_json(url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body`; a 2xx within the timeout is success. Never raises for network trouble."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve_url(url)
    except WebhookUrlRefused as exc:
        return PostResult(None, elapsed(), exc.detail)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = conn.getresponse()
        response.read(MAX_RESPONSE_BYTES)  # drained up to the cap, never kept
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return PostResult(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()
    if elapsed() > TIMEOUT_SECONDS * 1000:
        return PostResult(status, elapsed(), "slower than the 10 s limit")
    error = "" if 200 <= status < 300 else f"HTTP {status}"
    return PostResult(status, elapsed(), error)
