"""python manage.py export_customers --tenant tn_… [--format csv|jsonl] [-o FILE]

Streams the tenant's active customers (with --include-deleted, all), oldest first, as the
/v1 API shows them; memory stays constant whatever the count (a server-side cursor on
PostgreSQL, read `--chunk-size` rows at a time). The output imports back unchanged.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from customers.selectors import customer_export_queryset
from customers.transfer import FORMATS, customer_rows, encode, format_for
from tenants.selectors import tenant_get_by_public_id


class Command(BaseCommand):
    help = "Export a tenant's customers as CSV or JSON Lines (streamed, constant memory)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's id (tn_…).")
        parser.add_argument("--format", choices=FORMATS, help="Default: from -o, else csv.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")
        parser.add_argument("--include-deleted", action="store_true")
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, **options):
        tenant = tenant_get_by_public_id(public_id=options["tenant"])
        if tenant is None:
            raise CommandError(f"Unknown tenant {options['tenant']!r}.")
        output = options["output"]
        fmt = format_for(output or "", options["format"])
        customers = customer_export_queryset(
            tenant=tenant, include_deleted=options["include_deleted"]
        ).iterator(chunk_size=options["chunk_size"])
        chunks = encode(customer_rows(customers), fmt)
        if output:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                handle.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
