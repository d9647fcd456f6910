from django.contrib import admin

from tenants.models import Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "is_active", "default_region", "vat_strict", "created_at")
    list_filter = ("is_active", "default_region", "vat_strict")
    search_fields = ("name", "public_id")
    readonly_fields = ("created_at", "updated_at")
