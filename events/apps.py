from django.apps import AppConfig

from core.audit import changed


def _record(sender, *, tenant_id, subject_type, subject_id, action, changes, **signal):
    from events.services import audit_record  # models are loaded only once the registry is ready

    audit_record(
        tenant_id=tenant_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        changes=changes,
    )


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Tenants, plans and keys announce their changes (core.audit); history records them.
        changed.connect(_record, dispatch_uid="events.audit_record")
