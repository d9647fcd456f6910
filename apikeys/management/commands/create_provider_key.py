"""Operator provisioning: a provider key for signup express; `--json` ends with a JSON line."""

import json

from django.core.management.base import BaseCommand

from apikeys.keys import PROVIDER_KEY_TYPE
from apikeys.services import apikey_create


class Command(BaseCommand):
    help = "Create a provider key (cmp_...) that may call POST /v1/signup; printed once."

    def add_arguments(self, parser):
        parser.add_argument("--label", default="provider", help="A name to recognise it by.")
        parser.add_argument("--json", action="store_true", help='Last line is {"api_key": ...}.')

    def handle(self, *args, **options):
        key, raw = apikey_create(kind=PROVIDER_KEY_TYPE, label=options["label"])
        if options["json"]:
            self.stdout.write(json.dumps({"api_key": raw}))
        else:
            self.stdout.write(f"Provider key {key.prefix}… ({key.label}), for POST /v1/signup.")
            self.stdout.write(f"API key (shown once): {raw}")
