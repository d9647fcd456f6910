"""Staff view of portal users (tenant links and roles)."""

from django.contrib import admin

from portal.models import TenantUser


@admin.register(TenantUser)
class TenantUserAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "tenant__name", "tenant__public_id")
    list_select_related = ("user", "tenant")
    raw_id_fields = ("user", "tenant")
