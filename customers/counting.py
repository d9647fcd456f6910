"""The per-tenant active-customer counter: database triggers that keep TenantCounter exact.

Every INSERT, UPDATE and DELETE on the customers table adjusts `customers_tenantcounter` in
the same transaction, so the count is exactly what `COUNT(*) ... WHERE deleted_at IS NULL`
would say at every commit, whichever code wrote (services, admin, bulk, raw SQL, COPY).
PostgreSQL uses statement-level triggers over the transition tables (one upsert per
statement and tenant, so a COPY of a million rows is one update, not a million); SQLite,
which has no such triggers, row-level ones. Only a write that changes how many customers are
active touches the counter row: an ordinary update never waits for it.

The price: writes that change one tenant's count queue on its counter row from the change to
their commit. A create holds it for its INSERT and COMMIT only; a long transaction that
creates or deletes customers (a bulk import) holds up that tenant's other creates until it
commits, and if it then waits on one of them (a duplicate email both are inserting) the two
deadlock and PostgreSQL aborts one. Keep such transactions short.
"""

from django.db import transaction

TABLE = "customers_customer"
COUNTER = "customers_tenantcounter"
TRIGGERS = ("customers_count_insert", "customers_count_update", "customers_count_delete")

_PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION customers_count_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {COUNTER} AS c (tenant_id, active)
    SELECT tenant_id, count(*) FROM inserted WHERE deleted_at IS NULL
    GROUP BY tenant_id ORDER BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customers_count_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {COUNTER} AS c (tenant_id, active)
    SELECT tenant_id, sum(delta) FROM (
        SELECT tenant_id, 1 AS delta FROM after_rows WHERE deleted_at IS NULL
        UNION ALL
        SELECT tenant_id, -1 FROM before_rows WHERE deleted_at IS NULL
    ) changes
    GROUP BY tenant_id HAVING sum(delta) <> 0 ORDER BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET active = c.active + EXCLUDED.active;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customers_count_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- No row to update only while a tenant is being deleted (its counter went first).
    UPDATE {COUNTER} AS c SET active = c.active - gone.n
    FROM (
        SELECT tenant_id, count(*) AS n FROM deleted WHERE deleted_at IS NULL
        GROUP BY tenant_id
    ) gone
    WHERE c.tenant_id = gone.tenant_id;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_count_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION customers_count_inserted();
CREATE TRIGGER customers_count_update AFTER UPDATE ON {TABLE}
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customers_count_updated();
CREATE TRIGGER customers_count_delete AFTER DELETE ON {TABLE}
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION customers_count_deleted();
"""

_PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS customers_count_insert ON {TABLE};
DROP TRIGGER IF EXISTS customers_count_update ON {TABLE};
DROP TRIGGER IF EXISTS customers_count_delete ON {TABLE};
DROP FUNCTION IF EXISTS customers_count_inserted();
DROP FUNCTION IF EXISTS customers_count_updated();
DROP FUNCTION IF EXISTS customers_count_deleted();
"""

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS customers_count_insert AFTER INSERT ON {TABLE}
    WHEN NEW.deleted_at IS NULL
    BEGIN
        INSERT INTO {COUNTER} (tenant_id, active) VALUES (NEW.tenant_id, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET active = active + 1;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_count_update
    AFTER UPDATE OF deleted_at, tenant_id ON {TABLE}
    WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) OR OLD.tenant_id <> NEW.tenant_id
    BEGIN
        UPDATE {COUNTER} SET active = active - 1
        WHERE tenant_id = OLD.tenant_id AND OLD.deleted_at IS NULL;
        INSERT INTO {COUNTER} (tenant_id, active) SELECT NEW.tenant_id, 1
        WHERE NEW.deleted_at IS NULL
        ON CONFLICT (tenant_id) DO UPDATE SET active = active + 1;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS customers_count_delete AFTER DELETE ON {TABLE}
    WHEN OLD.deleted_at IS NULL
    BEGIN
        UPDATE {COUNTER} SET active = active - 1 WHERE tenant_id = OLD.tenant_id;
    END""",
]

_RECOUNT = [
    f"DELETE FROM {COUNTER}",
    f"""INSERT INTO {COUNTER} (tenant_id, active)
    SELECT tenant_id, count(*) FROM {TABLE} WHERE deleted_at IS NULL GROUP BY tenant_id""",
]


def _execute(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> None:
    """Create the triggers and count what is already there, in the caller's transaction
    (on PostgreSQL CREATE TRIGGER locks out writers until it commits: nothing is missed)."""
    if connection.vendor == "postgresql":
        _execute(connection, [_PG_INSTALL])
    elif connection.vendor == "sqlite":
        _execute(connection, _SQLITE_INSTALL)
    else:
        raise NotImplementedError(f"customers.counting has no triggers for {connection.vendor}")
    _execute(connection, _RECOUNT)


def uninstall(connection) -> None:
    if connection.vendor == "postgresql":
        _execute(connection, [_PG_UNINSTALL])
    else:
        _execute(connection, [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS])


def installed(connection) -> set[str]:
    """Names of the counter's triggers present on the customers table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        return {row[0] for row in cursor.fetchall()} & set(TRIGGERS)


def reinstall_if_dropped(connection) -> bool:
    """SQLite rebuilds a table to alter it (a later migration adding a column, say), and the
    rebuild drops its triggers: put them back and recount. True if it had to."""
    if connection.vendor != "sqlite":
        return False
    tables = set(connection.introspection.table_names())
    if not {TABLE, COUNTER} <= tables or installed(connection) == set(TRIGGERS):
        return False
    with transaction.atomic(using=connection.alias):
        install(connection)
    return True
