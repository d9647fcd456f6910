"""Staff views: the audit list with filters, events, endpoints (failing ones stand out) and
deliveries. History and events are append-only here: no add, change or delete."""

from django.contrib import admin

from events.models import AuditEntry, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    list_display = ("created_at", "subject_type", "subject_id", "action", "actor", "tenant")
    list_filter = ("subject_type", "action", "created_at", "tenant")
    search_fields = ("subject_id", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("tenant",)


@admin.register(Event)
class EventAdmin(_ReadOnly):
    list_display = ("id", "type", "customer_id", "tenant", "created_at")
    list_filter = ("type", "created_at", "tenant")
    search_fields = ("id", "customer_id")
    list_select_related = ("tenant",)


class FailingFilter(admin.SimpleListFilter):
    title = "failing"
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", "Failing"), ("no", "Healthy")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failing_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(failing_since__isnull=True)
        return queryset


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("id", "url", "enabled", "is_failing", "failing_since", "tenant", "created_at")
    list_filter = (FailingFilter, "enabled", "tenant")
    search_fields = ("id", "url")
    readonly_fields = ("id", "tenant", "application", "created_at", "updated_at")
    exclude = ("secret", "previous_secret")
    list_select_related = ("tenant",)

    @admin.display(boolean=True, description="failing")
    def is_failing(self, obj) -> bool:
        return obj.failing_since is not None


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "succeeded", "response_status", "latency_ms", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ("id", "event", "endpoint", "status", "attempts", "next_attempt_at")
    list_filter = ("status",)
    search_fields = ("event__id", "endpoint__id")
    inlines = [WebhookAttemptInline]
