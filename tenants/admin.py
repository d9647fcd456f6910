"""Staff views of tenants. Changes go through tenants.services so that authentication, which
caches each key's tenant, sees them on the next request in every server process."""

from django.contrib import admin

from core.admin import DeleteThroughServiceMixin
from tenants.models import Tenant
from tenants.services import (
    tenant_create,
    tenant_delete_many,
    tenant_set_active,
    tenant_update,
)


@admin.register(Tenant)
class TenantAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "is_active", "default_region", "vat_strict", "created_at")
    list_filter = ("is_active", "default_region", "vat_strict")
    search_fields = ("name", "public_id")
    readonly_fields = ("created_at", "updated_at")
    actions = ["deactivate", "activate"]

    def save_model(self, request, obj, form, change):
        if change:
            tenant_update(tenant=obj)
            return
        # Through the service, like every other tenant write, so the creation is audited.
        created = tenant_create(
            name=obj.name,
            region=obj.default_region,
            vat_strict=obj.vat_strict,
            public_id=obj.public_id,
        )
        if not obj.is_active:
            tenant_set_active(tenant=created, is_active=False)
        for field in ("pk", "public_id", "is_active", "created_at", "updated_at"):
            setattr(obj, field, getattr(created, field))

    def delete_rows(self, pks):
        tenant_delete_many(tenant_ids=pks)

    @admin.action(description="Deactivate selected tenants (their keys stop at once)")
    def deactivate(self, request, queryset):
        changed = sum(tenant_set_active(tenant=t, is_active=False) for t in queryset)
        self.message_user(request, f"Deactivated {changed} tenant(s).")

    @admin.action(description="Activate selected tenants")
    def activate(self, request, queryset):
        changed = sum(tenant_set_active(tenant=t, is_active=True) for t in queryset)
        self.message_user(request, f"Activated {changed} tenant(s).")
