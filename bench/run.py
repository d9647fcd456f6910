"""`make bench`: the service against a stock DRF baseline, side by side, measured with wrk.

    make bench                      # or: .venv/bin/python bench/run.py
    BENCH_QUICK=1 make bench        # fewer scenarios, 1 round of 3 s: for iterating
    BENCH_RESEED=1 make bench       # drop the benchmark database and seed it again

Steps: make sure the database (default cm_bench on 127.0.0.1:5432) is migrated and seeded
(bench/seed.py; a matching seed is reused), clear the benchmark's own Redis DB (default 4),
start the service and the baseline (bench/baseline/) with the same server command, then drive
each scenario with wrk from a separate process: per round, each baseline is run right before
and right after the service scenarios compared with it. Ratios are service / baseline req/s
within one round (the baseline's two runs averaged); the table shows medians over rounds. Results: bench/out/latest.{json,md} (gitignored).

Environment (all optional): BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_DB
(cm_bench), BENCH_REDIS_URL (redis://127.0.0.1:6379), BENCH_REDIS_DB (4), BENCH_PORT (8120;
the baseline uses the next port), BENCH_WORKERS (one per core), BENCH_SERVER (the server
command, with {app}, {port} and {workers}), BENCH_DURATION (10 s), BENCH_WARMUP (3 s),
BENCH_ROUNDS (3), BENCH_SCENARIO_WARMUP (2 s before each measured run), BENCH_CONNECTIONS
(8), BENCH_WRK_THREADS (2), BENCH_ONLY (scenario names, comma-separated), BENCH_QUICK,
BENCH_RESEED.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _flag(name: str) -> bool:
    return _env(name, "").lower() in {"1", "true", "yes", "on"}


QUICK = _flag("BENCH_QUICK")
PG_URL = _env("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB = _env("BENCH_DB", "cm_bench")
REDIS_URL = (
    f"{_env('BENCH_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/{_env('BENCH_REDIS_DB', '4')}"
)
PORT = int(_env("BENCH_PORT", "8120"))
WORKERS = int(_env("BENCH_WORKERS", str(os.cpu_count() or 1)))


def _default_server() -> str:
    """`make run`'s server command (config.serve: granian, same threads and timeouts), with
    the access log off for both sides; {app}, {port} and {workers} are filled in per server."""
    sys.path.insert(0, str(ROOT))
    from config import serve

    saved = {k: os.environ.get(k) for k in ("PORT", "WEB_CONCURRENCY", "SERVER_ACCESS_LOG")}
    os.environ.update(PORT="65535", WEB_CONCURRENCY="1", SERVER_ACCESS_LOG="false")
    try:
        argv = serve.command()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    argv[argv.index("--port") + 1] = "{port}"
    argv[argv.index("--workers") + 1] = "{workers}"
    argv[-1] = "{app}"
    return " ".join(argv)


# The production server, one worker per core. Swap the whole command (e.g. granian) through
# BENCH_SERVER; {app} is a "module:callable" WSGI path, {port} and {workers} are filled in.
SERVER = _env("BENCH_SERVER", "") or _default_server()
DURATION = int(_env("BENCH_DURATION", "3" if QUICK else "10"))
WARMUP = int(_env("BENCH_WARMUP", "1" if QUICK else "3"))
# Seconds of the same scenario right before each measured run, not counted: the scenario
# that follows a long stretch of other work (the first of a round) otherwise pays for
# warming its server's threads and connections in its measured seconds (2026-11-30: the
# round's first service scenario read 0.92-1.09x where the same code read 1.31-1.43x alone).
SCENARIO_WARMUP = int(_env("BENCH_SCENARIO_WARMUP", "0" if QUICK else "2"))
ROUNDS = int(_env("BENCH_ROUNDS", "1" if QUICK else "3"))
CONNECTIONS = int(_env("BENCH_CONNECTIONS", "8"))
WRK_THREADS = int(_env("BENCH_WRK_THREADS", "2"))
OUT = Path(_env("BENCH_OUT", str(ROOT / "bench" / "out")))
DATA = OUT / "data"
LUA = ROOT / "bench" / "wrk" / "request.lua"
BENCH_EMAILS = "w%@bench.invalid"  # every row a benchmark POST creates; deleted before and after
SECRET_KEY = "bench-only-secret-key-" + "x" * 40


@dataclass(frozen=True)
class Scenario:
    name: str
    target: str  # "service" or "baseline"
    path: str  # template, see bench/wrk/request.lua
    method: str = "GET"
    body: str = ""
    auth: str = ""  # "v1" (key + tenant header), "key" (key only), "tiny" (the 1/min key)
    expect: int = 200
    baseline: str = ""  # the baseline scenario this one's ratio is taken against
    quick: bool = False  # part of BENCH_QUICK


_V1_BODY = '{"firstName": "Bench", "lastName": "Writer", "email": "{uemail}"}'
_CO_BODY = (
    '{"first-name": "Bench", "last-name": "Writer", "email": "{uemail}", "vat-number": "{vat}"}'
)
_DRF_BODY = (
    '{"tenant": {big_tenant_pk}, "first_name": "Bench", "last_name": "Writer", "email": "{uemail}"}'
)

# In run order within a round: each baseline, then the service scenarios measured against it.
SCENARIOS = [
    Scenario("drf_retrieve", "baseline", "/customers/{id}/", quick=True),
    Scenario("get_by_id", "service", "/v1/customer/{id}", auth="v1", baseline="drf_retrieve", quick=True),
    Scenario("by_email", "service", "/v1/customer/by-email/{email}", auth="v1", baseline="drf_retrieve", quick=True),
    Scenario("by_phone", "service", "/v1/customer/by-phone/{phone}", auth="v1", baseline="drf_retrieve"),
    Scenario("churnkey_email", "service", "/churnkey/customers/email/{email}", auth="key", baseline="drf_retrieve"),
    Scenario("churnkey_phone", "service", "/churnkey/customers/phone/{phone}", auth="key", baseline="drf_retrieve"),
    Scenario("rate_limited_429", "service", "/v1/customer/{id}", auth="tiny", expect=429, baseline="drf_retrieve"),
    Scenario("drf_list_all", "baseline", "/customers/"),
    Scenario("drf_list", "baseline", "/tenants/{big_tenant_pk}/customers/", quick=True),
    Scenario("paged_p1", "service", "/v1/customer/paged?page=1&limit=20", auth="v1", baseline="drf_list", quick=True),
    Scenario("paged_p10000", "service", "/v1/customer/paged?page=10000&limit=20", auth="v1", baseline="drf_list"),
    Scenario("cursor_first", "service", "/v1/customer/paged?cursor=&limit=20", auth="v1", baseline="drf_list", quick=True),
    Scenario("cursor_deep", "service", "/v1/customer/paged?cursor={deep_cursor}&limit=20", auth="v1", baseline="drf_list", quick=True),
    Scenario("search", "service", "/v1/customer/paged?search={surname}&limit=20", auth="v1", baseline="drf_list"),
    Scenario("churnkey_list", "service", "/churnkey/customers?limit=20", auth="key", baseline="drf_list"),
    Scenario("drf_create", "baseline", "/customers/", "POST", _DRF_BODY, expect=201, quick=True),
    Scenario("create", "service", "/v1/customer", "POST", _V1_BODY, "v1", 201, "drf_create", quick=True),
    Scenario("company_create", "service", "/api/tse/v1/company/{big_tenant_id}/customer", "POST", _CO_BODY, "key", 201, "drf_create"),
]  # fmt: skip


@dataclass
class Result:
    scenario: str
    round: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    unexpected: int  # responses whose status was not the expected class, plus socket errors
    raw: dict = field(repr=False)


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", flush=True)


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.rstrip()
    except OSError:
        return ""


# --- database and seed ----------------------------------------------------------------------


def _pg(db: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{PG_URL}/{db}", autocommit=True)


def _app_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG_URL}/{DB}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="config.settings",
        BENCH_OUT=str(OUT),
    )
    env.update(extra)
    env.pop("DJANGO_DEBUG", None)
    return env


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=_app_env(), **kw)


def _recreate_db() -> None:
    with _pg() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [DB]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')


def _migrate() -> None:
    _run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], check=True)


def prepare_database() -> dict:
    """Migrate, then reuse a matching seed or build one; returns seed.json plus `reused`."""
    with _pg() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
    if _flag("BENCH_RESEED") or not exists:
        log(f"creating database {DB}")
        _recreate_db()
    _migrate()
    reused = _run([PY, "bench/seed.py", "--check"]).returncode == 0
    if reused:
        log(f"reusing the seed in {DB} (BENCH_RESEED=1 to rebuild it)")
        _run([PY, "bench/seed.py", "--samples"], check=True)
    else:
        if exists and not _flag("BENCH_RESEED"):
            log(f"{DB} holds no matching seed: recreating it")
            _recreate_db()
            _migrate()
        log("seeding (one-off; COPY of about 1.05M customers)")
        _run([PY, "bench/seed.py"], check=True)
    info = json.loads((DATA / "seed.json").read_text())
    info["reused"] = reused
    return info


def delete_posted_rows() -> int:
    """Delete the customers benchmark POSTs created (and VACUUM), so every round reads the
    seeded data: ~15,000 "Bench Writer" rows a round at the newest end of the big tenant
    otherwise made each later round's `search` walk past them (p50 100 -> 196 -> 286 ms)."""
    with _pg(DB) as conn:
        deleted = conn.execute(
            "DELETE FROM customers_customer WHERE email LIKE %s", [BENCH_EMAILS]
        ).rowcount
        if deleted:
            conn.execute("VACUUM (ANALYZE) customers_customer")
    return deleted


def prewarm() -> tuple[int, float]:
    """Read the customer table and its indexes into the OS page cache (pg_prewarm, 'read'
    mode), so no scenario's first round pays for disk reads the others do not. On a cold
    cache (a fresh machine, or after the seed) the first round of the lookups by email and
    phone read 0.19x and 0.13x stock DRF while the later rounds read 1.79x and 1.41x
    (2026-12-01 07:03): random reads over the 87 MB email index, not the service.
    Returns (pages read, seconds)."""
    started = time.monotonic()
    with _pg(DB) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        rows = conn.execute(
            """SELECT c.oid::regclass::text FROM pg_class c
               WHERE c.oid = 'customers_customer'::regclass
                  OR c.oid IN (SELECT indexrelid FROM pg_index
                               WHERE indrelid = 'customers_customer'::regclass)"""
        ).fetchall()
        pages = sum(
            conn.execute("SELECT pg_prewarm(%s::regclass, 'read')", [name]).fetchone()[0]
            for (name,) in rows
        )
    return pages, round(time.monotonic() - started, 1)


def clean_state() -> int:
    """Delete rows earlier POSTs made and empty the benchmark's Redis DB (limits, caches)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return delete_posted_rows()


def wait_idle(timeout: float = 120) -> None:
    """Wait until no query of ours still runs (slow requests outlive wrk's connections)."""
    import psycopg

    deadline = time.monotonic() + timeout
    quiet = 0
    while True:  # PostgreSQL may refuse a connection while the servers still hold many
        try:
            conn = _pg(DB)
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    with conn:
        while time.monotonic() < deadline:
            (active,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()"
            ).fetchone()
            quiet = quiet + 1 if active == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.25)
    log("warning: database still busy after the scenario")


# --- servers ------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, app: str, port: int, settings: str, root: Path = ROOT):
        """`root`: the checkout to serve (bench/variants.py compares others, e.g. a worktree)."""
        self.name, self.app, self.port, self.settings = name, app, port, settings
        self.root = root
        self.cmd = SERVER.format(app=app, port=port, workers=WORKERS)
        self.env: dict[str, str] = {}  # more environment for this server (bench/variants.py)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        logfile = open(OUT / f"{self.name}.log", "w")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            shlex.split(self.cmd),
            cwd=self.root,
            env=_app_env(DJANGO_SETTINGS_MODULE=self.settings, **self.env),
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {OUT / (self.name + '.log')}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise SystemExit(f"{self.name} not ready on :{self.port}; see {OUT / (self.name + '.log')}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# --- scenarios ----------------------------------------------------------------------------


def _headers(s: Scenario, info: dict) -> dict:
    headers = {}
    if s.auth == "v1":
        headers = {
            "Authorization": f"Bearer {info['key']}",
            "x-business-tenant-id": info["big_tenant_id"],
        }
    elif s.auth == "key":
        headers = {"Authorization": f"Bearer {info['key']}"}
    elif s.auth == "tiny":
        headers = {
            "Authorization": f"Bearer {info['tiny_key']}",
            "x-business-tenant-id": info["tiny_tenant_id"],
        }
    if s.body:
        headers["Content-Type"] = "application/json"
    return headers  # fmt: skip


def _fixed(template: str, info: dict) -> str:
    """Fill the placeholders that are the same for every request (run.py's, not Lua's)."""
    for key in ("deep_cursor", "big_tenant_id", "big_tenant_pk"):
        template = template.replace("{" + key + "}", str(info[key]))
    return template


def _port(s: Scenario) -> int:
    return PORT if s.target == "service" else PORT + 1


def probe(s: Scenario, info: dict) -> None:
    """One request the way Lua would build it; a wrong status stops the run early."""

    def first(name: str) -> str:
        return (DATA / f"{name}s.txt").read_text().split("\n", 1)[0]

    def fill(text: str) -> str:
        text = _fixed(text, info)
        for name in ("id", "email", "phone", "surname", "vat"):
            text = text.replace("{" + name + "}", first(name))
        return text.replace("{uemail}", f"wprobe{time.time_ns()}@bench.invalid")

    url = f"http://127.0.0.1:{_port(s)}{fill(s.path)}"
    body = fill(s.body).encode() if s.body else None
    tries = 2 if s.expect == 429 else 1  # the tiny plan lets one request a minute through
    for _ in range(tries):
        req = urllib.request.Request(url, data=body, method=s.method, headers=_headers(s, info))
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, text = resp.status, resp.read()[:300]
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()[:300]
    if status != s.expect:
        raise SystemExit(
            f"probe {s.name}: {s.method} {url} -> {status}, expected {s.expect}: {text!r}"
        )


def run_wrk(
    s: Scenario, info: dict, seconds: int, token: str, rnd: int, port: int | None = None
) -> Result:
    """wrk on scenario `s` for `seconds`, against `port` (default: the scenario's server)."""
    cmd = [
        "wrk",
        "-t",
        str(WRK_THREADS),
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    for name, value in _headers(s, info).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += [f"http://127.0.0.1:{port or _port(s)}", "--", s.method, _fixed(s.path, info), str(DATA),
            _fixed(s.body, info), token]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {s.name}:\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("BENCHJSON "))
    lat, err = raw["latency_us"], raw["errors"]
    sockets = err["connect"] + err["read"] + err["write"] + err["timeout"]
    # wrk counts every status >= 400 in errors.status: expected for the 429 scenario only.
    bad_status = raw["requests"] - err["status"] if s.expect >= 400 else err["status"]
    return Result(
        scenario=s.name,
        round=rnd,
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        requests=raw["requests"],
        unexpected=bad_status + sockets,
        raw=raw,
    )


# --- report -------------------------------------------------------------------------------


def run_order(scenarios: list[Scenario]) -> list[Scenario]:
    """One round: each baseline, the service scenarios compared with it, then the baseline
    again, so a change in machine load during the group weighs on both sides of the ratio."""
    order = []
    for base in (s for s in scenarios if s.target == "baseline"):
        group = [s for s in scenarios if s.baseline == base.name]
        order += [base, *group, base] if group else [base]
    return order


def summarise(scenarios: list[Scenario], results: list[Result]) -> list[dict]:
    """Per scenario: medians over rounds; a baseline's req/s in a round is the mean of its
    runs before and after its group, and each ratio is taken within one round."""
    by: dict[str, dict[int, list[Result]]] = {}
    for r in results:
        by.setdefault(r.scenario, {}).setdefault(r.round, []).append(r)

    def round_rps(name: str, n: int) -> float | None:
        runs = by.get(name, {}).get(n)
        return statistics.mean(r.rps for r in runs) if runs else None

    med = statistics.median
    rows = []
    for s in scenarios:
        rounds = by.get(s.name, {})
        if not rounds:
            continue
        runs = [r for rs in rounds.values() for r in rs]
        pairs = [(round_rps(s.name, n), round_rps(s.baseline, n)) for n in rounds]
        pairs = [(mine, base) for mine, base in pairs if s.baseline and base]
        rows.append(
            {
                "scenario": s.name,
                "target": s.target,
                "request": f"{s.method} {s.path}",
                "rps": med(round_rps(s.name, n) for n in rounds),
                "p50_ms": med(r.p50_ms for r in runs),
                "p99_ms": med(r.p99_ms for r in runs),
                "baseline": s.baseline or None,
                "baseline_rps": med(base for _, base in pairs) if pairs else None,
                "ratio": med(mine / base for mine, base in pairs) if pairs else None,
                "ratios": [mine / base for mine, base in pairs],
                "unexpected": sum(r.unexpected for r in runs),
                "requests": sum(r.requests for r in runs),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    head = "| scenario | req/s | p50 ms | p99 ms | baseline | baseline req/s | ratio | unexpected |"
    lines = [head, "|---|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        base = f"{r['baseline_rps']:.0f}" if r["baseline_rps"] else ""
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else ""
        lines.append(
            f"| {r['scenario']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['baseline'] or '(baseline)'} | {base} | {ratio} | {r['unexpected']} |"
        )
    return "\n".join(lines)


def derived(rows: list[dict]) -> list[str]:
    by = {r["scenario"]: r for r in rows}
    notes = []
    if "cursor_deep" in by and "cursor_first" in by:
        d, f = by["cursor_deep"], by["cursor_first"]
        notes.append(
            f"cursor page {_env('BENCH_DEEP_ROWS', '500000')} rows deep vs first page: "
            f"p50 {d['p50_ms'] / f['p50_ms']:.2f}x the latency"
        )
    if "get_by_id" in by:
        g = by["get_by_id"]
        for name in ("by_email", "by_phone", "churnkey_email", "churnkey_phone"):
            if name in by:
                notes.append(
                    f"{name} p50 vs get_by_id p50: {by[name]['p50_ms'] / g['p50_ms']:.2f}x"
                )
    for r in rows:
        if r["p50_ms"] and r["p99_ms"] > 5 * r["p50_ms"]:
            notes.append(f"{r['scenario']}: p99 is {r['p99_ms'] / r['p50_ms']:.1f}x p50 (> 5x)")
    return notes


def environment() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            [
                *(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("BENCH_")),
                "make bench",
            ]
        ),
        "nproc": sh("nproc"),
        "free_h": sh("free -h"),
        "loadavg_before": sh("cat /proc/loadavg"),
        "git": sh(f"git -C {ROOT} rev-parse --short HEAD")
        + (" (dirty)" if sh(f"git -C {ROOT} status --porcelain -- . ':!bench/out'") else ""),
        "postgres": sh(f"psql '{PG_URL}/postgres' -Atc 'show server_version'"),
        "wrk": sh("wrk --version 2>&1 | head -1"),
        "server": SERVER,
        "workers": WORKERS,
        "duration_s": DURATION,
        "scenario_warmup_s": SCENARIO_WARMUP,
        "rounds": ROUNDS,
        "connections": CONNECTIONS,
        "wrk_threads": WRK_THREADS,
        "quick": QUICK,
    }


def markdown(env: dict, info: dict, rows: list[dict], elapsed: float) -> str:
    seed = "reused" if info["reused"] else "built in this run"
    return "\n".join(
        [
            f"## {env['date'][:16].replace('T', ' ')} UTC — git {env['git']}",
            "",
            f"- command: `{env['command']}`",
            f"- machine: nproc {env['nproc']}; load average before: {env['loadavg_before']}, "
            f"after: {env.get('loadavg_after', '?')}",
            f"- server: `{env['server']}` with {env['workers']} workers",
            f"- wrk: {env['wrk_threads']} threads, {env['connections']} connections, "
            f"{env['duration_s']} s per scenario (after {env['scenario_warmup_s']} s not "
            f"counted), {env['rounds']} rounds "
            f"(medians; ratios paired per round); whole run {elapsed / 60:.1f} min",
            f"- seed: {info['customers']:,} customers, {info['seed_seconds']} s to build "
            f"({seed}); {env['postgres'] and 'PostgreSQL ' + env['postgres']}",
            "",
            "```",
            env["free_h"],
            "```",
            "",
            table(rows),
            "",
            *(f"- {n}" for n in derived(rows)),
            "",
            "What changed since the last entry: (fill in)",
            "",
        ]
    )


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    started = time.monotonic()
    if not sh("command -v wrk"):
        raise SystemExit("wrk is not installed (make bench installs it: apt-get install -y wrk)")
    only = {n.strip() for n in _env("BENCH_ONLY", "").split(",") if n.strip()}
    scenarios = [s for s in SCENARIOS if (not QUICK or s.quick) and (not only or s.name in only)]
    needed = {s.baseline for s in scenarios if s.baseline}
    scenarios = [s for s in SCENARIOS if s in scenarios or s.name in needed]

    env = environment()
    info = prepare_database()
    log(f"seed: {info['customers']:,} customers; build time {info['seed_seconds']} s"
        f"{' (reused)' if info['reused'] else ''}")  # fmt: skip
    deleted = clean_state()
    if deleted:
        log(f"deleted {deleted} rows left by earlier benchmark POSTs")
    try:
        pages, seconds = prewarm()
        log(f"prewarmed the customer table and its indexes: {pages:,} pages in {seconds} s")
    except Exception as exc:  # noqa: BLE001 - e.g. no pg_prewarm on a remote server: go on
        log(f"prewarm skipped ({type(exc).__name__}: {exc}); the first round may read from disk")

    service = Server("service", "config.wsgi:application", PORT, "config.settings")
    baseline = Server("baseline", "bench.baseline.wsgi:application", PORT + 1, "bench.baseline.settings")  # fmt: skip
    servers = [service, baseline]

    def stop_all(*_):
        for srv in servers:
            srv.stop()

    signal.signal(signal.SIGTERM, lambda *a: (stop_all(), sys.exit(143)))
    results: list[Result] = []
    try:
        for srv in servers:
            srv.start()
        service.wait_ready("/healthz")
        first_id = (DATA / "ids.txt").read_text().split("\n", 1)[0]
        baseline.wait_ready(f"/customers/{first_id}/")
        log(
            f"servers up: `{SERVER}` x{WORKERS} workers on :{PORT} (service), :{PORT + 1} (baseline)"
        )
        for s in scenarios:
            probe(s, info)
        wait_idle()
        token_base = str(int(time.time()))
        warm = [s for s in scenarios if s.name in {"drf_retrieve", "get_by_id"}] or scenarios[:1]
        for s in warm:
            run_wrk(s, info, WARMUP, token_base + "000", 0)
            wait_idle()
        invocation = 0
        for rnd in range(1, ROUNDS + 1):
            log(f"round {rnd}/{ROUNDS}")
            for s in run_order(scenarios):
                invocation += 1
                if SCENARIO_WARMUP:
                    run_wrk(s, info, SCENARIO_WARMUP, f"{token_base}w{invocation:03d}", rnd)
                    # The warm-up's last requests outlive its connections (a baseline list
                    # takes seconds here): let them finish, or the measured run starts with
                    # them still running, and slow scenarios pile up threads and
                    # connections (PostgreSQL's 100 were once exhausted that way).
                    wait_idle()
                r = run_wrk(s, info, DURATION, f"{token_base}{invocation:03d}", rnd)
                results.append(r)
                flag = f"  UNEXPECTED {r.unexpected}" if r.unexpected else ""
                log(f"  {s.name:<17} {r.rps:9.1f} req/s  p50 {r.p50_ms:8.1f} ms  "
                    f"p99 {r.p99_ms:8.1f} ms{flag}")  # fmt: skip
                wait_idle()
            delete_posted_rows()
    finally:
        stop_all()
        try:
            clean_state()
        except Exception as exc:  # noqa: BLE001 - reporting matters more than tidying
            log(f"cleanup failed: {exc}")

    env["loadavg_after"] = sh("cat /proc/loadavg")
    rows = summarise(scenarios, results)
    elapsed = time.monotonic() - started
    md = markdown(env, info, rows, elapsed)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    seed_public = {k: v for k, v in info.items() if k not in {"key", "tiny_key"}}
    report = {
        "environment": env,
        "seed": seed_public,
        "summary": rows,
        "notes": derived(rows),
        "runs": [asdict(r) for r in results],
        "elapsed_s": round(elapsed, 1),
    }
    for name in (f"bench-{stamp}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(report, indent=2) + "\n")
    (OUT / "latest.md").write_text(md)
    print()
    print(md)
    log(f"done in {elapsed / 60:.1f} min; {OUT / 'latest.json'} and {OUT / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
