"""The production HTTP server, started the same way by `make run`, the Dockerfile and the tests.

    python -m config.serve            # granian (Rust/hyper) serving config.wsgi

Granian was chosen by measurement (bench/SERVER.md): its HTTP parsing runs in Rust on an async
runtime, so a client that is slow to send its headers costs a socket, not a Python thread, and
a header read timeout closes it. Django still runs as plain WSGI, in a bounded thread pool.

Environment (all optional): HOST [127.0.0.1], PORT [8000], WEB_CONCURRENCY [1] worker
processes, SERVER_THREADS [64] Python threads per worker, SERVER_HEADER_READ_TIMEOUT [5]
seconds to receive a request's headers, SERVER_MAX_HEADER_BYTES [65536] read buffer for the
request line and headers, SERVER_ACCESS_LOG [true].
"""

from __future__ import annotations

import os
import sys


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, got {value}")
    return value


def command() -> list[str]:
    """The granian command line for the current environment."""
    threads = _int("SERVER_THREADS", 64, 1, 1024)
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--http",
        "1",
        "--no-ws",
        "--host",
        os.environ.get("HOST") or "127.0.0.1",
        "--port",
        str(_int("PORT", 8000, 1, 65535)),
        "--workers",
        str(_int("WEB_CONCURRENCY", 1, 1, 64)),
        "--blocking-threads",
        str(threads),
        # No --backpressure: granian counts open connections against it, so a value near the
        # thread count lets a few dozen slow sockets lock everyone else out (measured).
        "--http1-header-read-timeout",
        str(_int("SERVER_HEADER_READ_TIMEOUT", 5, 1, 60) * 1000),
        "--http1-buffer-size",
        str(_int("SERVER_MAX_HEADER_BYTES", 65536, 8192, 1024 * 1024)),
        "--respawn-failed-workers",
    ]
    if (os.environ.get("SERVER_ACCESS_LOG") or "true").lower() in {"1", "true", "yes", "on"}:
        argv.append("--access-log")
    return [*argv, "config.wsgi:application"]


def main() -> None:
    argv = command()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
