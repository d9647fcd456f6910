"""Staff view of customers: soft-deleted rows stay visible; restore is an action."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.problems import ApplicationError
from customers.models import WRITABLE_FIELDS, ApiProduct, Customer
from customers.services import customer_create, customer_restore, customer_update
from events.selectors import history_queryset


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Soft-deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "email",
        "phone",
        "customer_type",
        "state",
        "tenant",
        "created_at",
        "deleted_at",
    )
    list_filter = ("customer_type", "state", DeletedFilter, "tenant")
    search_fields = ("first_name", "last_name", "email", "phone", "vat_number", "id")
    readonly_fields = ("id", "created_at", "updated_at", "deleted_at", "state", "history")
    list_select_related = ("tenant",)
    actions = ["restore_customers"]

    def save_model(self, request, obj, form, change):
        """Route staff edits through the services so normalisation and duplicate rules hold."""
        data = {
            field: form.cleaned_data[field]
            for field in WRITABLE_FIELDS
            if field in form.cleaned_data and (not change or field in form.changed_data)
        }
        try:
            if change:
                customer_update(customer=Customer.objects.get(pk=obj.pk), data=data)
            else:
                created = customer_create(tenant=form.cleaned_data["tenant"], data=data)
                obj.pk = created.pk
        except ApplicationError as exc:
            self.message_user(request, f"Not saved: {exc.detail}", level=messages.ERROR)

    @admin.display(description="history (newest first)")
    def history(self, obj) -> str:
        """The customer's last 50 changes; the audit list has them all, with filters."""
        if obj.pk is None:
            return "-"
        entries = history_queryset(tenant=obj.tenant, subject_type="customer", subject_id=obj.pk)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.created_at, e.action, e.changes, e.actor, e.request_id)
                for e in entries.order_by("-created_at", "-id")[:50]
            ),
        )
        audit = reverse("admin:events_auditentry_changelist") + f"?q={obj.pk}"
        return format_html(
            "<table><tr><th>when</th><th>action</th><th>changes</th><th>actor</th>"
            '<th>request</th></tr>{}</table><a href="{}">all in the audit list</a>',
            rows,
            audit,
        )

    @admin.action(description="Restore selected soft-deleted customers")
    def restore_customers(self, request, queryset):
        restored = 0
        for customer in queryset.filter(deleted_at__isnull=False).select_related("tenant"):
            try:
                customer_restore(customer=customer)
                restored += 1
            except ApplicationError as exc:
                self.message_user(request, f"{customer}: {exc.detail}", level=messages.ERROR)
        self.message_user(request, f"Restored {restored} customer(s).")


@admin.register(ApiProduct)
class ApiProductAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("slug", "name")
