"""Staff view of customers: every write goes through the services the API uses, so staff
get the same normalisation, duplicate rules and soft delete; refusals land on the form."""

from django import forms
from django.contrib import admin, messages

from core.problems import ApplicationError
from customers.exceptions import CustomerNotFound
from customers.models import WRITABLE_FIELDS, ApiProduct, Customer
from customers.services import (
    customer_create,
    customer_restore,
    customer_soft_delete,
    customer_update,
)

# The services name fields in errors by these names: here, the form's own field names.
_FORM_FIELDS = {field: field for field in WRITABLE_FIELDS}
_SHOWN = (
    "id",
    "tenant",
    *WRITABLE_FIELDS,
    "state",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
)


class CustomerAdminForm(forms.ModelForm):
    """Validating the form is the service call: the write happens (once) while the form is
    validated, so a duplicate or invalid value becomes a form error, never a success page."""

    class Meta:
        model = Customer
        fields = ("tenant", *WRITABLE_FIELDS)

    def _post_clean(self):
        # Replaces ModelForm's model validation (as django.contrib.auth's forms do): the
        # services own the rules, decided by the database, and they write the row.
        if self.errors:
            return
        try:
            if self.instance._state.adding:  # the pk is a UUID, set before saving
                data = {f: self.cleaned_data[f] for f in WRITABLE_FIELDS if f in self.cleaned_data}
                self.instance = customer_create(
                    tenant=self.cleaned_data["tenant"], data=data, api_fields=_FORM_FIELDS
                )
            elif changed := [f for f in self.changed_data if f in WRITABLE_FIELDS]:
                self.instance = customer_update(
                    customer=self.instance,
                    data={f: self.cleaned_data[f] for f in changed},
                    api_fields=_FORM_FIELDS,
                )
        except ApplicationError as exc:
            rows = exc.errors or [{"field": None, "message": exc.detail}]
            for row in rows:
                field = row.get("field") if row.get("field") in self.fields else None
                self.add_error(field, row.get("message") or exc.detail)


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
    form = CustomerAdminForm
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
    readonly_fields = ("id", "state", "version", "created_at", "updated_at", "deleted_at")
    list_select_related = ("tenant",)
    actions = ["restore_customers"]

    def get_fields(self, request, obj=None):
        return ("tenant", *WRITABLE_FIELDS) if obj is None else _SHOWN

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.deleted_at is not None:  # restore it first (the action); the API agrees
            return _SHOWN
        return (*self.readonly_fields, "tenant")  # a customer never changes tenant

    def save_model(self, request, obj, form, change):
        """Nothing left to do: validating the form wrote the customer (CustomerAdminForm)."""

    def delete_model(self, request, obj):
        """A soft delete, the API's: the row stays (restore it with the action)."""
        try:
            customer_soft_delete(customer=obj)
        except CustomerNotFound:  # already soft-deleted
            pass

    def delete_queryset(self, request, queryset):
        for customer in queryset.filter(deleted_at__isnull=True).select_related("tenant"):
            self.delete_model(request, customer)

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
