"""Staff views of applications and API keys. Every change goes through apikeys.services, so
the shared auth cache is invalidated and all server processes see it on their next request."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from apikeys.exceptions import KeyLimitReached, KeyNotLive
from apikeys.keys import TENANT_KEY_TYPE
from apikeys.models import (
    ALL_SCOPES,
    DEFAULT_ROLL_GRACE,
    MAX_LIVE_KEYS_PER_APPLICATION,
    ApiKey,
    Application,
)
from apikeys.selectors import apikey_count_live
from apikeys.services import (
    apikey_create,
    apikey_delete_many,
    apikey_revoke,
    apikey_roll,
    apikey_save,
    application_approve,
    application_create,
    application_delete_many,
    application_reactivate,
    application_save,
    application_suspend,
)
from core.admin import DeleteThroughServiceMixin


class ApiKeyInline(admin.TabularInline):
    """Read-only list of an application's keys; changes go through the key admin."""

    model = ApiKey
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("prefix", "label", "scopes", "state", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="State")
    def state(self, key):
        return key.state()


@admin.register(Application)
class ApplicationAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "app_id",
        "tenant",
        "plan",
        "state",
        "trial_ends_at",
        "created_at",
        "usage_chart",
    )
    list_filter = ("state", "plan")
    list_select_related = ("tenant", "plan")
    search_fields = ("name", "app_id", "tenant__name", "tenant__public_id")
    raw_id_fields = ("tenant",)
    readonly_fields = ("app_id", "state", "usage_chart", "created_at", "updated_at")
    inlines = [ApiKeyInline]
    actions = ["approve", "suspend", "reactivate"]

    def get_fields(self, request, obj=None):
        if obj is None:  # state and trial end follow from the plan (application_create)
            return ("tenant", "name", "plan")
        return (
            "tenant",
            "name",
            "app_id",
            "plan",
            "state",
            "trial_ends_at",
            "usage_chart",
            "created_at",
            "updated_at",
        )

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "tenant") if obj else self.readonly_fields

    @admin.display(description="Usage")
    def usage_chart(self, application):
        if not application.pk:
            return "-"
        return format_html(
            '<a href="{}">Usage chart</a> (hits per hour, last 7 days)',
            reverse("admin:usage_application_chart", args=[application.pk]),
        )

    def save_model(self, request, obj, form, change):
        if change:
            application_save(application=obj, changed=list(form.changed_data))
            return
        created = application_create(tenant=obj.tenant, plan=obj.plan, name=obj.name)
        for field in ("pk", "app_id", "state", "trial_ends_at", "created_at", "updated_at"):
            setattr(obj, field, getattr(created, field))

    def delete_rows(self, pks):
        application_delete_many(application_ids=pks)

    def _transition(self, request, queryset, service, verb: str) -> None:
        changed = sum(service(application=app) for app in queryset)
        skipped = queryset.count() - changed
        self.message_user(request, f"{verb} {changed} application(s); {skipped} unchanged.")

    @admin.action(description="Approve selected pending applications")
    def approve(self, request, queryset):
        self._transition(request, queryset, application_approve, "Approved")

    @admin.action(description="Suspend selected applications (their keys stop at once)")
    def suspend(self, request, queryset):
        self._transition(request, queryset, application_suspend, "Suspended")

    @admin.action(description="Reactivate selected suspended applications")
    def reactivate(self, request, queryset):
        self._transition(request, queryset, application_reactivate, "Reactivated")


class ApiKeyAdminForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("application", "kind", "label", "scopes", "expires_at")

    def clean_scopes(self):
        scopes = self.cleaned_data.get("scopes")
        if not isinstance(scopes, list) or not scopes or not set(scopes) <= set(ALL_SCOPES):
            raise forms.ValidationError(f"A non-empty list drawn from {ALL_SCOPES}.")
        return list(dict.fromkeys(scopes))

    def clean(self):
        cleaned = super().clean()
        application = cleaned.get("application")
        # A friendly message; apikey_create decides it again under a row lock.
        if (
            self.instance.pk is None
            and application is not None
            and cleaned.get("kind") == TENANT_KEY_TYPE
            and apikey_count_live(application=application) >= MAX_LIVE_KEYS_PER_APPLICATION
        ):
            raise forms.ValidationError(
                f"{application} already has {MAX_LIVE_KEYS_PER_APPLICATION} live keys; "
                "revoke one first."
            )
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    form = ApiKeyAdminForm
    list_display = (
        "prefix",
        "label",
        "kind",
        "application",
        "tenant",
        "scopes",
        "state",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_select_related = ("application__tenant",)
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter), "application__tenant")
    search_fields = (
        "prefix",
        "label",
        "application__tenant__name",
        "application__tenant__public_id",
        "application__app_id",
    )
    raw_id_fields = ("application",)
    readonly_fields = ("prefix", "created_at", "revoked_at", "last_used_at")
    actions = ["revoke_keys", "roll_keys"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("application", "kind", "label", "scopes", "expires_at")
        return (
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

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "application", "kind") if obj else self.readonly_fields

    @admin.display(description="State")
    def state(self, key):
        return key.state()

    def save_model(self, request, obj, form, change):
        if change:
            apikey_save(key=obj, changed=list(form.changed_data))
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

    def delete_rows(self, pks):
        apikey_delete_many(key_ids=pks)

    @admin.action(description="Revoke selected keys now")
    def revoke_keys(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            apikey_revoke(key=key)
            count += 1
        self.message_user(
            request, f"Revoked {count} key(s) at {timezone.now():%Y-%m-%d %H:%M:%S} UTC."
        )

    @admin.action(
        description=f"Roll selected keys (old ones keep working for "
        f"{DEFAULT_ROLL_GRACE.total_seconds() / 3600:g} hours)"
    )
    def roll_keys(self, request, queryset):
        for key in queryset.select_related("application"):
            try:
                new, raw, old = apikey_roll(key=key, grace=DEFAULT_ROLL_GRACE)
            except (KeyNotLive, KeyLimitReached) as exc:
                self.message_user(request, f"{key.prefix}…: {exc.detail}", messages.ERROR)
                continue
            messages.warning(
                request,
                f"{old.prefix}… rolled; it works until {old.expires_at:%Y-%m-%d %H:%M} UTC. "
                f"New key {new.prefix}… (shown once, copy it now): {raw}",
            )
