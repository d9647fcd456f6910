"""Slow clients must not take the service down: with slow-header and slow-body sockets open,
/healthz and an authenticated GET /v1/customer/{id} still answer within a deadline.

    python bench/slow_clients.py                       # starts the server as `make run` does
    python bench/slow_clients.py --base http://127.0.0.1:8000 --credentials .demo_credentials.json

The slow-header sockets send one header line per second and never finish the request (no key);
the slow-body sockets send a valid key and a Content-Length, then one body byte per second. A
socket the server closes (a read timeout) is reopened, so the pressure stays for the whole run.
Meanwhile a probe thread sends /healthz and an authenticated GET on fresh connections. Exits 1
when any probe fails or takes longer than --deadline. Loopback only, bounded by --duration.
Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SlowSocket:
    """One never-finishing request, fed a line (or a byte) per tick."""

    def __init__(self, host: str, port: int, head: bytes, drip):
        self.host, self.port, self.head, self.drip = host, port, head, drip
        self.sock: socket.socket | None = None
        self.ticks = 0
        self.reopened = 0

    def open(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=2)
        self.sock.sendall(self.head)
        self.ticks = 0

    def tick(self) -> None:
        try:
            if self.sock is None:
                self.open()
                return
            self.sock.sendall(self.drip(self.ticks))
            self.ticks += 1
        except (
            OSError
        ):  # the server gave up on us (a read timeout): come back, as an attacker would
            self.close()
            self.reopened += 1
            try:
                self.open()
            except OSError:
                self.sock = None

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


def slow_header(host: str, port: int, path: str = "/healthz") -> SlowSocket:
    head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n".encode()
    return SlowSocket(host, port, head, lambda n: f"X-Slow-{n}: {'a' * 10}\r\n".encode())


def slow_body(host: str, port: int, key: str, tenant: str, length: int = 4000) -> SlowSocket:
    head = (
        f"POST /v1/customer HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"x-business-tenant-id: {tenant}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n{{"
    ).encode()
    return SlowSocket(host, port, head, lambda n: b" ")


def _request(host, port, method, path, headers=None, body=None, timeout=5.0, timings=None):
    """(status, body) over a fresh connection; `timings["connected"]` (perf_counter) says
    when the connection opened, if it did."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.connect()
        if timings is not None:
            timings["connected"] = time.perf_counter()
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def run(
    base: str,
    key: str,
    tenant: str,
    *,
    slow_headers: int,
    slow_bodies: int,
    duration: float,
    deadline: float,
    log=print,
) -> dict:
    """Open the slow sockets, probe for `duration` seconds, return the figures."""
    url = urlsplit(base)
    host, port = url.hostname, url.port or 80
    if host not in LOOPBACK:
        raise SystemExit("loopback only: --base must be 127.0.0.1/localhost")
    auth = {"Authorization": f"Bearer {key}", "x-business-tenant-id": tenant}
    status, raw = _request(
        host,
        port,
        "POST",
        "/v1/customer",
        {**auth, "Content-Type": "application/json"},
        json.dumps({"firstName": "Slow", "lastName": f"Probe{time.time_ns()}"}),
    )
    if status != 201:
        raise SystemExit(f"could not create the probe customer: {status} {raw[:300]!r}")
    customer_path = f"/v1/customer/{json.loads(raw)['id']}"

    sockets = [slow_header(host, port) for _ in range(slow_headers)]
    sockets += [slow_body(host, port, key, tenant) for _ in range(slow_bodies)]
    for s in sockets:
        try:
            s.open()
        except OSError:
            s.sock = None

    stop = threading.Event()

    def feeder():
        while not stop.wait(1.0):
            for s in sockets:
                s.tick()

    probes: dict[str, list[float]] = {"healthz": [], "customer": []}
    failures: list[str] = []

    def prober():
        while not stop.is_set():
            for name, path, headers in (
                ("healthz", "/healthz", {}),
                ("customer", customer_path, auth),
            ):
                began = time.perf_counter()
                timings = {}  # a stall before the connection opened is the accept queue's
                try:
                    status, _ = _request(
                        host, port, "GET", path, headers, timeout=deadline + 4, timings=timings
                    )
                except OSError as exc:
                    stage = "connect"
                    if "connected" in timings:
                        stage = f"response (connected in {timings['connected'] - began:.2f}s)"
                    status = f"{exc.__class__.__name__} in {stage}"
                elapsed = time.perf_counter() - began
                probes[name].append(elapsed)
                if status != 200:
                    failures.append(f"{name}: {status} after {elapsed:.2f}s at {time.time():.3f}")
                elif elapsed > deadline:
                    failures.append(f"{name}: {elapsed:.2f}s > {deadline}s at {time.time():.3f}")
            stop.wait(0.25)

    threads = [threading.Thread(target=feeder, daemon=True), threading.Thread(target=prober)]
    time.sleep(1.0)  # let every slow socket be accepted and start stalling first
    for t in threads:
        t.start()
    stop.wait(duration)
    stop.set()
    for t in threads:
        t.join(timeout=deadline + 6)
    for s in sockets:
        s.close()

    result = {
        "slow_headers": slow_headers,
        "slow_bodies": slow_bodies,
        "duration_s": duration,
        "deadline_s": deadline,
        "header_sockets_closed_by_server": sum(s.reopened for s in sockets[:slow_headers]),
        "body_sockets_closed_by_server": sum(s.reopened for s in sockets[slow_headers:]),
        "failures": failures,
    }
    for name, times in probes.items():
        result[name] = {
            "n": len(times),
            "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "max_ms": round(max(times) * 1000, 1) if times else None,
        }
    log(json.dumps(result))
    return result


def start_server(port: int, env: dict | None = None) -> subprocess.Popen:
    """The production server exactly as `make run` and the Dockerfile start it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.serve"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_until_up("127.0.0.1", port, proc)
    return proc


def wait_until_up(host: str, port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if _request(host, port, "GET", "/healthz", timeout=1)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started with start_new_session=True and every worker it forked (its
    process group): TERM, then KILL whatever of the group is left, so no worker outlives it."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # the whole group is gone already
        pass
    proc.wait(timeout=5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a running server; default: start one (config.serve)")
    parser.add_argument("--port", type=int, default=8141, help="port for the started server")
    parser.add_argument("--credentials", default=str(ROOT / ".demo_credentials.json"))
    parser.add_argument("--slow-headers", type=int, default=40)
    parser.add_argument("--slow-bodies", type=int, default=40)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--deadline", type=float, default=1.0)
    args = parser.parse_args()
    args.duration = min(args.duration, 120.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally: stop the server

    proc = None
    base = args.base
    if base is None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
        )
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--credentials-file", args.credentials],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        proc = start_server(args.port)
        base = f"http://127.0.0.1:{args.port}"
    creds = json.loads(Path(args.credentials).read_text())
    try:
        result = run(
            base,
            creds["api_key"],
            creds["tenant_id"],
            slow_headers=args.slow_headers,
            slow_bodies=args.slow_bodies,
            duration=args.duration,
            deadline=args.deadline,
        )
    finally:
        if proc is not None:
            stop_server(proc)
    if result["failures"]:
        print(f"FAIL: {len(result['failures'])} probes failed, e.g. {result['failures'][:5]}")
        return 1
    print("OK: every probe answered within the deadline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
