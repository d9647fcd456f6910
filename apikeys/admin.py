"""Staff views of API keys: creating one shows the clear key once; revoking is an action."""

from django.contrib import admin, messages
from django.utils import timezone

from apikeys.models import ApiKey
from apikeys.services import apikey_create, apikey_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "label",
        "kind",
        "application",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter), "application__tenant")
    search_fields = (
        "prefix",
        "label",
        "application__tenant__name",
        "application__tenant__public_id",
        "application__app_id",
    )
    readonly_fields = ("prefix", "created_at", "revoked_at", "last_used_at")
    fields = (
        "application",
        "kind",
        "label",
        "scopes",
        "expires_at",
        "prefix",
        "created_at",
        "revoked_at",
        "last_used_at",
    )
    actions = ["revoke_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = apikey_create(
            application=obj.application,
            label=obj.label,
            kind=obj.kind,
            expires_at=obj.expires_at,
            scopes=obj.scopes or None,
        )
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = (
            key.pk,
            key.prefix,
            key.key_hash,
            key.created_at,
        )
        messages.warning(request, f"New API key (shown once, copy it now): {raw}")

    @admin.action(description="Revoke selected keys now")
    def revoke_keys(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            apikey_revoke(key=key)
            count += 1
        self.message_user(
            request, f"Revoked {count} key(s) at {timezone.now():%Y-%m-%d %H:%M:%S} UTC."
        )
