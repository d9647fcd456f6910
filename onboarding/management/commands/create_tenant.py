"""Staff provisioning: a tenant and its first API key; `--json` ends with a machine-readable line."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from onboarding.services import onboarding_provision


class Command(BaseCommand):
    help = "Create a tenant with its first API key (the key is printed once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--plan", default=None, help="Application plan slug (default plan if omitted)."
        )
        parser.add_argument("--region", default="IT", help="Default phone region, e.g. IT.")
        parser.add_argument(
            "--vat-strict", action="store_true", help="Refuse VAT numbers with bad check digits."
        )
        parser.add_argument(
            "--json", action="store_true", help='Last line is {"tenant_id", "api_key"}.'
        )

    def handle(self, *args, **options):
        try:
            result = onboarding_provision(
                name=options["name"],
                region=options["region"],
                vat_strict=options["vat_strict"],
                plan_slug=options["plan"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        tenant, raw_key = result.tenant, result.api_key
        if options["json"]:
            self.stdout.write(json.dumps({"tenant_id": tenant.public_id, "api_key": raw_key}))
        else:
            self.stdout.write(
                f"Tenant:  {tenant.name}\nTenant id (x-business-tenant-id): {tenant.public_id}"
            )
            self.stdout.write(f"API key (shown once): {raw_key}")
