from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from customers import counting


def _restore_counter_triggers(using, **kwargs) -> None:
    counting.reinstall_if_dropped(connections[using])


class CustomersConfig(AppConfig):
    name = "customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_restore_counter_triggers, sender=self)
