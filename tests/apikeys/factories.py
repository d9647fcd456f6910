"""Plain-function factories shared by the key, signup and admin tests."""

from apikeys.keys import PROVIDER_KEY_TYPE
from apikeys.models import Application
from apikeys.services import apikey_create, application_create
from plans.models import Plan


def make_plan(slug: str = "approval", *, requires_approval: bool = False, **kwargs) -> Plan:
    defaults = {
        "name": slug.title(),
        "families": ["v1"],
        "methods": ["customer.read", "customer.list", "keys.manage"],
        "requires_approval": requires_approval,
    }
    defaults.update(kwargs)
    return Plan.objects.create(slug=slug, **defaults)


def make_application(tenant, *, plan: Plan | None = None, name: str = "Second app") -> Application:
    return application_create(tenant=tenant, plan=plan, name=name)


def make_provider_key(label: str = "portal"):
    return apikey_create(kind=PROVIDER_KEY_TYPE, label=label)
