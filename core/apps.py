from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core plumbing"

    def ready(self) -> None:
        from core import openapi  # noqa: F401 - registers the drf-spectacular auth extension
