"""A real server process for tests that need the HTTP server itself (slow clients, faults,
what the server says on malformed requests): started exactly as `make run` starts it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from django.db import connection

from bench import slow_clients

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database as a URL another process can open (PostgreSQL only)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Production settings (not the test ones) on a SQLite file of its own, no Redis; pass
    DATABASE_URL=database_url() to share the test's PostgreSQL database instead."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "live-server-test-key-" + "x" * 40,
            "DJANGO_DEBUG": "false",
            "SQLITE_PATH": str(tmp_path / "live.sqlite3"),
            "SERVER_ACCESS_LOG": "false",
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def demo_credentials(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Migrate (a no-op on the test database) and create the demo tenant and key, as `make run`
    does; returns {"tenant_id", "api_key"}."""
    manage(env, "migrate", "--noinput", "-v", "0")
    path = tmp_path / "creds.json"
    manage(env, "demo", "--credentials-file", str(path))
    return json.loads(path.read_text())


class LiveServer:
    """`python -m config.serve` on a free loopback port; stop() kills its process group."""

    def __init__(self, env: dict[str, str], *, wait: bool = True):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # What the server prints (granian's own lines, errors) goes to a file that
        # log_tail() reads, so a failing test can show what the server went through.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "config.serve"],
            cwd=ROOT,
            env={**env, "PORT": str(self.port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            try:
                slow_clients.wait_until_up("127.0.0.1", self.port, self.proc, timeout=60)
            except Exception:
                self.stop()
                raise

    def request(self, method: str, path: str, headers=None, body=None, timeout: float = 10):
        """(status, headers as a lower-cased dict, body bytes) over a fresh connection."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()

    def raw(self, data: bytes, timeout: float = 10) -> bytes:
        """Send raw bytes, return everything the server answers before closing (or timeout)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            chunks = []
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
                    if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                        break
            except (TimeoutError, ConnectionResetError):
                pass
        return b"".join(chunks)

    def log_tail(self, size: int = 4000) -> str:
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - size))
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        slow_clients.stop_server(self.proc)
        self.log.close()


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False
