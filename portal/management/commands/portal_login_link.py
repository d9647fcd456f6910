"""Print a one-time portal sign-in link, e.g. for a new tenant's first owner."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from core.problems import ApplicationError
from portal.services import LOGIN_TOKEN_MAX_AGE, portal_sso_link


class Command(BaseCommand):
    help = "Print a one-time link that signs a tenant's user in to the developer portal."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant id (tn_...).")
        parser.add_argument("--email", required=True)
        parser.add_argument("--owner", action="store_true", help="Create or promote as owner.")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the portal is served."
        )

    def handle(self, *args, **options):
        try:
            raw, _expires_at = portal_sso_link(
                tenant_id=options["tenant"], email=options["email"], owner=options["owner"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        minutes = int(LOGIN_TOKEN_MAX_AGE.total_seconds() // 60)
        self.stderr.write(f"One-time link, valid for {minutes} minutes:")
        self.stdout.write(options["base_url"].rstrip("/") + reverse("portal:sso", args=[raw]))
