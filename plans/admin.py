"""Staff views of plans, with their limits inline."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from plans.models import ApiFamily, Method, Plan, PlanLimit
from plans.services import plan_touch


class PlanForm(forms.ModelForm):
    """Families and methods as checkboxes, so only known values can be saved."""

    families = forms.MultipleChoiceField(
        choices=ApiFamily.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    methods = forms.MultipleChoiceField(
        choices=Method.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Plan
        fields = [
            "name",
            "slug",
            "families",
            "methods",
            "requires_approval",
            "trial_days",
            "is_default",
        ]


class PlanLimitInline(admin.TabularInline):
    model = PlanLimit
    extra = 1


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    inlines = [PlanLimitInline]
    list_display = ("name", "slug", "families", "requires_approval", "trial_days", "is_default")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    # Every change makes the cached plan unreachable, in every process (see plan_touch).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        plan_touch(plan_id=obj.pk)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        plan_touch(plan_id=form.instance.pk)

    def delete_model(self, request, obj):
        plan_id = obj.pk
        super().delete_model(request, obj)
        plan_touch(plan_id=plan_id)

    def delete_queryset(self, request, queryset):
        plan_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for plan_id in plan_ids:
            plan_touch(plan_id=plan_id)
