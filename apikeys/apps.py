from django.apps import AppConfig

from tenants.signals import tenants_changed


def _forget_tenants(sender, tenant_ids, **kwargs):
    from apikeys import auth_cache  # models are loaded only once the registry is ready

    auth_cache.forget(tenant_ids=tenant_ids)


class ApikeysConfig(AppConfig):
    name = "apikeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # A tenant change can alter what its keys may do: the one invalidation entry point.
        tenants_changed.connect(_forget_tenants, dispatch_uid="apikeys.forget_tenants")
