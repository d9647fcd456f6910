"""Staff view of customers: soft-deleted rows stay visible; restore is an action."""

from django.contrib import admin, messages
from django.http import StreamingHttpResponse

from core.problems import ApplicationError
from customers.models import WRITABLE_FIELDS, ApiProduct, Customer
from customers.services import customer_create, customer_restore, customer_update
from customers.transfer import customer_rows, encode


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
    readonly_fields = ("id", "created_at", "updated_at", "deleted_at", "state")
    list_select_related = ("tenant",)
    actions = ["restore_customers", "export_csv"]

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

    @admin.action(description="Export selected customers as CSV")
    def export_csv(self, request, queryset):
        """The filtered changelist (tick "select all" to take every match, not one page)
        in the import/export commands' format, streamed."""
        customers = queryset.order_by("created_at", "pk").iterator(chunk_size=2000)
        response = StreamingHttpResponse(
            encode(customer_rows(customers), "csv"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="customers.csv"'
        return response


@admin.register(ApiProduct)
class ApiProductAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("slug", "name")
