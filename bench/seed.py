"""Seed the benchmark database: one tenant with 1,000,000 customers, 999 small tenants, a
benchmark plan whose limits never trigger, a tiny-limit key for the 429 path, and API keys.

    python bench/seed.py --check     # exit 0 if the database already holds this seed
    python bench/seed.py             # seed a freshly migrated database (COPY, a few minutes)
    python bench/seed.py --samples   # only rewrite bench/out/data/ from the seeded database

Needs DATABASE_URL (PostgreSQL) and REDIS_URL. Customers go in with psycopg 3's COPY with the
table's secondary indexes dropped and rebuilt afterwards; rows satisfy the model's rules
(unique lower(email) and E.164 phone among a tenant's active customers). The seed is recorded
in the table `bench_seed` (with the clear API keys: a benchmark database only), so a rerun
with the same parameters reuses it. The samples that wrk's Lua scripts read (random ids,
emails, phones, surnames) and `seed.json` (keys, tenant ids, the deep cursor) are rewritten
on every call.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Bump when the generated data changes shape: an older seed is then rebuilt, not reused.
SEED_VERSION = 1
BIG = int(os.environ.get("BENCH_BIG_CUSTOMERS", "1000000"))
SMALL_TENANTS = int(os.environ.get("BENCH_SMALL_TENANTS", "999"))
SMALL_MAX = 100  # each small tenant gets 1..SMALL_MAX customers
SAMPLES = 10_000
DEEP_ROWS = int(os.environ.get("BENCH_DEEP_ROWS", "500000"))
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "out")) / "data"
NEVER = 1_000_000_000_000  # a limit no benchmark reaches

FIRST = (
    "Mario Luigi Giulia Francesca Marco Luca Anna Sara Paolo Laura Giovanni Chiara Andrea "
    "Elena Matteo Valentina Alessandro Martina Davide Federica Simone Alessia Stefano Silvia "
    "Roberto Giorgia Antonio Elisa Francesco Marta Lorenzo Ilaria Riccardo Serena Fabio "
    "Roberta Emma Noah Olivia Liam Sophie Lukas Hanna Jan Eva Pierre Claire Hugo Lea Pablo"
).split()
LAST = (
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
    "Conti DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
    "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale "
    "Lombardo Serra Coppola DeSantis DAngelo Marchetti Parisi Villa Conte Ferraro Ferri "
    "Fabbri Bianco Marini Grasso Valentini Messina Sala DeRosa Gatti Pellegrini Palumbo "
    "Sanna Farina Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino "
    "Carbone Giuliani Benedetti Barone Rossetti Caputo Montanari Guerra Palmieri Bernardi "
    "Martino Fiore DeAngelis Ferretti Bellini Basile Riva Donati Piras Vitali Battaglia "
    "Sartori Neri Costantini Milani Pagano Ruggiero Sorrentino DAmico Orlando Damico Negri"
).split()
DOMAINS = (
    "gmail.com libero.it yahoo.it hotmail.com outlook.com tiscali.it alice.it fastweb.it".split()
)
TYPES = ["regular"] * 85 + ["new"] * 8 + ["unregistered"] * 5 + ["anonymous"] * 2


def _setup() -> None:
    import django

    django.setup()


def _params() -> dict:
    return {
        "version": SEED_VERSION,
        "big": BIG,
        "small_tenants": SMALL_TENANTS,
        "small_max": SMALL_MAX,
    }


def _connection():
    from django.db import connection

    connection.ensure_connection()
    return connection


def _recorded() -> dict | None:
    """The bench_seed row, or None if there is none."""
    with _connection().cursor() as cur:
        cur.execute("SELECT to_regclass('bench_seed') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT params, info FROM bench_seed WHERE id = 1")
        row = cur.fetchone()
    if row is None:
        return None
    params, info = row
    return {
        "params": params if isinstance(params, dict) else json.loads(params),
        "info": info if isinstance(info, dict) else json.loads(info),
    }


def _seed_matches() -> dict | None:
    """The recorded seed's info if it has these parameters and its keys still exist."""
    from apikeys.models import ApiKey
    from tenants.models import Tenant

    recorded = _recorded()
    if recorded is None or recorded["params"] != _params():
        return None
    info = recorded["info"]
    if not Tenant.objects.filter(pk=info["big_tenant_pk"]).exists():
        return None
    prefixes = [info["key_prefix"], info["tiny_key_prefix"]]
    if ApiKey.objects.filter(prefix__in=prefixes, revoked_at__isnull=True).count() != 2:
        return None
    return info


# --- plans, tenants and keys (through the app's own services) -----------------------------


def _plan(slug: str, name: str, limits: list[tuple[str, str, int]]):
    from plans.defaults import ALL_FAMILIES, ALL_METHODS
    from plans.models import Plan, PlanLimit

    plan, _ = Plan.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name,
            "families": ALL_FAMILIES,
            "methods": ALL_METHODS,
            "requires_approval": False,
            "trial_days": None,
            "is_default": False,
        },
    )
    PlanLimit.objects.filter(plan=plan).delete()
    for metric, period, value in limits:
        PlanLimit.objects.create(plan=plan, metric=metric, period=period, value=value)
    return plan


def _tenants() -> dict:
    from apikeys.keys import lookup_prefix
    from apikeys.services import apikey_create, application_create
    from onboarding.services import onboarding_provision

    bench = _plan("bench", "Benchmark (never limits)", [("hits", "minute", NEVER)])
    tiny = _plan("bench-tiny", "Benchmark (1 hit a minute)", [("hits", "minute", 1)])
    big = onboarding_provision(name="Bench Big Tenant", region="IT", plan=bench)
    smalls = [
        onboarding_provision(name=f"Bench Small {n:03d}", region="IT", plan=bench)
        for n in range(1, SMALL_TENANTS + 1)
    ]
    # The 429 path: a second application of the first small tenant, on the tiny plan.
    throttled = smalls[0].tenant if smalls else big.tenant
    tiny_app = application_create(tenant=throttled, plan=tiny, name="Bench throttled")
    _key, tiny_key = apikey_create(application=tiny_app, label="bench-tiny")
    return {
        "big_tenant_pk": big.tenant.pk,
        "big_tenant_id": big.tenant.public_id,
        "key": big.api_key,
        "key_prefix": lookup_prefix(big.api_key),
        "tiny_tenant_id": throttled.public_id,
        "tiny_key": tiny_key,
        "tiny_key_prefix": lookup_prefix(tiny_key),
        "small_tenant_pks": [s.tenant.pk for s in smalls],
    }


# --- customers (COPY) --------------------------------------------------------------------


def _vat(rnd: random.Random) -> str:
    from stdnum import luhn

    body = f"{rnd.randrange(10**10):010d}"
    return "IT" + body + luhn.calc_check_digit(body)


def _ts(dt: datetime) -> str:
    return dt.isoformat()


def _rows(info: dict, rnd: random.Random, end: datetime):
    """Yield (tenant_pk, created_at) in insertion order: the big tenant's customers arrive
    over three years in time order (as a growing table does), then the small tenants'."""
    start = end - timedelta(days=3 * 365)
    span = (end - start).total_seconds()
    offsets = sorted(rnd.random() * span for _ in range(BIG))
    for off in offsets:
        yield info["big_tenant_pk"], start + timedelta(seconds=off)
    for pk in info["small_tenant_pks"]:
        for _ in range(rnd.randint(1, SMALL_MAX)):
            yield pk, start + timedelta(seconds=rnd.random() * span)


def _copy_customers(info: dict) -> int:
    """COPY every customer; returns the row count."""
    from customers.models import Customer

    rnd = random.Random(20261130)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    fields = Customer._meta.concrete_fields
    known = set(
        "id tenant_id first_name last_name email phone vat_number customer_type state "
        "metadata created_at updated_at deleted_at".split()
    )
    extra = []
    for f in fields:
        if f.attname in known:
            continue
        # A column added later: NULL or its default, else the seeder must learn it.
        if f.null:
            extra.append("\\N")
        elif f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection=_connection())
            extra.append(json.dumps(value) if isinstance(value, dict | list) else str(value))
        else:
            raise SystemExit(f"bench/seed.py does not know how to fill Customer.{f.attname}")
    columns = [f.column for f in fields if f.attname in known] + [
        f.column for f in fields if f.attname not in known
    ]
    order = [f.attname for f in fields if f.attname in known]
    table = Customer._meta.db_table
    count = 0
    buf: list[str] = []
    conn = _connection()
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for i, (tenant_pk, created) in enumerate(_rows(info, rnd, end)):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            email = f"{first}.{last}.{i}@{rnd.choice(DOMAINS)}"
            if rnd.random() >= 0.1:  # stored as given: a tenth keep their capitals
                email = email.lower()
            phone = f"+3934{i:08d}" if rnd.random() < 0.8 else ""
            updated = created
            if rnd.random() < 0.3:
                updated = min(end, created + timedelta(seconds=rnd.random() * 30 * 86400))
            deleted = rnd.random() < 0.01
            values = {
                "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                "tenant_id": str(tenant_pk),
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": phone,
                "vat_number": _vat(rnd) if rnd.random() < 0.2 else "",
                "customer_type": rnd.choice(TYPES),
                "state": "inactive" if deleted else "active",
                "metadata": '{"source": "import"}' if rnd.random() < 0.1 else "{}",
                "created_at": _ts(created),
                "updated_at": _ts(updated),
                "deleted_at": _ts(updated) if deleted else "\\N",
            }
            buf.append("\t".join([*(values[a] for a in order), *extra]) + "\n")
            count += 1
            if len(buf) >= 20_000:
                copy.write("".join(buf))
                buf.clear()
        if buf:
            copy.write("".join(buf))
    return count


def _secondary_indexes(table: str) -> list[tuple[str, str, list[str]]]:
    """(name, CREATE statement, the ALTERs that put back its statistics targets) of the
    table's indexes that back no constraint. A dropped index loses what ALTER INDEX set on
    it (the search index's 1,000-entry histogram, migration 0010), so that is put back too."""
    with _connection().cursor() as cur:
        cur.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid),
                   ARRAY(SELECT format('ALTER INDEX %%I ALTER COLUMN %%s SET STATISTICS %%s',
                                       i.relname, a.attnum, a.attstattarget)
                         FROM pg_attribute a
                         WHERE a.attrelid = i.oid AND a.attstattarget > 0)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """,
            [table],
        )
        return list(cur.fetchall())


def seed() -> dict:
    from django.db import transaction

    from customers.models import Customer

    table = Customer._meta.db_table
    started = time.monotonic()
    with transaction.atomic():
        if Customer.objects.exists():
            raise SystemExit("bench/seed.py seeds an empty, migrated database only")
        info = _tenants()
    timings = {"tenants_s": round(time.monotonic() - started, 1)}
    indexes = _secondary_indexes(table)
    conn = _connection()
    with transaction.atomic():
        with conn.cursor() as cur:
            # Django's foreign keys are deferred: check them row by row now, so the
            # CREATE INDEX below does not meet pending trigger events.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        t = time.monotonic()
        rows = _copy_customers(info)
        timings["copy_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        with conn.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, create, alters in indexes:
                cur.execute(create)
                for alter in alters:
                    cur.execute(alter)
        timings["indexes_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    with conn.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_s"] = round(time.monotonic() - t, 1)
    info["customers"] = rows
    info["seed_seconds"] = round(time.monotonic() - started, 1)
    info["timings"] = timings
    info["seeded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (id int PRIMARY KEY, params jsonb, info jsonb)"
        )
        cur.execute(
            "INSERT INTO bench_seed (id, params, info) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params, info = EXCLUDED.info",
            [json.dumps(_params()), json.dumps(info)],
        )
    return info


# --- what wrk's Lua scripts read -----------------------------------------------------------


def _deep_cursor(tenant_pk: int, deep: int) -> str:
    """The `nextCursor` a client would hold after walking `deep` rows in the default sort
    (newest first): built with the app's own cursor encoder where it still exists."""
    from customers.models import Customer

    row = (
        Customer.objects.filter(tenant_id=tenant_pk, deleted_at__isnull=True)
        .order_by("-created_at", "-id")
        .only("id", "created_at")[deep - 1 : deep]
        .get()
    )
    try:
        from core.pagination import _encode
        from customers.serializers import V1_SORTS

        return _encode(V1_SORTS["-createdAt"], row)
    except (ImportError, KeyError, TypeError):  # the format core/pagination.py documents
        # (if the app's encoder moved or changed; run.py's probe refuses a cursor that is wrong)
        import base64

        payload = {"s": "-createdAt", "v": row.created_at.isoformat(), "k": str(row.pk)}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def write_samples(info: dict) -> None:
    """Random active customers of the big tenant (ids, emails, phones) for the Lua scripts."""
    from customers.models import Customer

    OUT.mkdir(parents=True, exist_ok=True)
    table = Customer._meta.db_table
    with _connection().cursor() as cur:
        # Row-level sampling over the whole table, so old and new customers are both drawn.
        percent = min(100.0, 150.0 * SAMPLES / BIG)
        cur.execute(
            f"SELECT id, email, phone FROM {table} TABLESAMPLE BERNOULLI (%s) REPEATABLE (7) "
            "WHERE tenant_id = %s AND deleted_at IS NULL AND phone <> ''",
            [percent, info["big_tenant_pk"]],
        )
        rows = cur.fetchall()
    rnd = random.Random(7)
    rnd.shuffle(rows)
    rows = rows[:SAMPLES]
    (OUT / "ids.txt").write_text("".join(f"{r[0]}\n" for r in rows))
    (OUT / "emails.txt").write_text("".join(f"{quote(r[1], safe='@')}\n" for r in rows))
    (OUT / "phones.txt").write_text("".join(f"{quote(r[2], safe='')}\n" for r in rows))
    (OUT / "surnames.txt").write_text("".join(f"{name}\n" for name in LAST))
    vats = [_vat(rnd) for _ in range(100)]
    (OUT / "vats.txt").write_text("".join(f"{v}\n" for v in vats))
    public = {k: v for k, v in info.items() if k != "small_tenant_pks"}
    public["deep_rows"] = DEEP_ROWS
    public["deep_cursor"] = _deep_cursor(info["big_tenant_pk"], DEEP_ROWS)
    public["samples"] = len(rows)
    (OUT / "seed.json").write_text(json.dumps(public, indent=2) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 0 if the seed is reusable")
    group.add_argument("--samples", action="store_true", help="only rewrite the sample files")
    args = parser.parse_args()
    _setup()
    if args.check:
        return 0 if _seed_matches() else 1
    if args.samples:
        info = _seed_matches()
        if info is None:
            print("no matching seed in this database", file=sys.stderr)
            return 1
    else:
        info = seed()
        print(
            f"seeded {info['customers']:,} customers ({BIG:,} in one tenant, "
            f"{SMALL_TENANTS} small tenants) in {info['seed_seconds']} s {info['timings']}"
        )
    write_samples(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
