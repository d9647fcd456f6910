"""`make run` helper: make sure a demo tenant and key exist and print a ready-to-paste curl line."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apikeys.exceptions import KeyLimitReached
from apikeys.keys import lookup_prefix
from apikeys.models import ApiKey
from apikeys.services import apikey_create
from onboarding.services import onboarding_provision
from tenants.models import Tenant

DEMO_NAME = "Demo Business"


def _stored(path: Path) -> dict | None:
    """The demo credentials from an earlier run, if the key still works."""
    try:
        creds = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    key = ApiKey.objects.filter(prefix=lookup_prefix(creds.get("api_key", ""))).first()
    if (
        key is None
        or not key.matches(creds["api_key"])
        or not key.is_live()
        or not key.tenant
        or not key.tenant.is_active
        or key.tenant.public_id != creds.get("tenant_id")
    ):
        return None
    return creds


class Command(BaseCommand):
    help = "Create the demo tenant and key when none exist; print how to call the API."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--credentials-file",
            default=os.environ.get(
                "DEMO_CREDENTIALS_FILE", str(settings.BASE_DIR / ".demo_credentials.json")
            ),
        )

    def handle(self, *args, **options):
        path = Path(options["credentials_file"])
        creds = _stored(path)
        if creds is None:
            tenant = (
                Tenant.objects.filter(name=DEMO_NAME, is_active=True)
                .order_by("-created_at")
                .first()
            )
            raw = None
            if tenant is not None:
                try:
                    _key, raw = apikey_create(tenant=tenant, label="demo")
                except KeyLimitReached:  # credentials lost too often: start a fresh tenant
                    raw = None
            if raw is None:
                result = onboarding_provision(name=DEMO_NAME, region="IT", plan_slug="platinum")
                tenant, raw = result.tenant, result.api_key
            creds = {"tenant_id": tenant.public_id, "api_key": raw}
            path.write_text(json.dumps(creds))
            path.chmod(0o600)
            self.stdout.write(f"Created demo credentials in {path} (keep them private).")
        base = f"http://127.0.0.1:{options['port']}"
        auth = f"-H 'Authorization: Bearer {creds['api_key']}' -H 'x-business-tenant-id: {creds['tenant_id']}'"
        self.stdout.write(
            "\nDemo tenant: {tenant_id}\nDemo API key: {api_key}\n".format(**creds)
            + "\nTry it:\n"
            + f"  curl -s {auth} -H 'Content-Type: application/json' \\\n"
            + '       -d \'{"firstName":"Mario","lastName":"Rossi","email":"mario@example.com","phone":"06 1234 5678"}\' \\\n'
            + f"       {base}/v1/customer\n"
            + f"  curl -s {auth} '{base}/v1/customer/paged?page=1&limit=20'\n"
            + f"\nSwagger UI: {base}/api/docs/   ReDoc: {base}/api/redoc/   Admin: {base}/admin/\n"
        )
