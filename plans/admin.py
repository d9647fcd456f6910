"""Staff views of plans (limits inline) and the per-application usage chart."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from plans import windows
from plans.models import HITS, ApiFamily, Method, Plan, PlanLimit, UsageRecord
from plans.selectors import usage_hourly
from plans.services import plan_touch

CHART_DAYS = 7
_BAR_WIDTH = 5
_CHART_HEIGHT = 180


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

    def get_urls(self):
        chart = path(
            "usage/<int:application_id>/",
            self.admin_site.admin_view(self.usage_chart_view),
            name="plans_application_usage",
        )
        return [chart, *super().get_urls()]

    def usage_chart_view(self, request, application_id: int):
        """Hits per hour of one application over the last 7 days, as inline SVG."""
        from apikeys.models import Application

        if not request.user.has_perm("apikeys.view_application"):
            raise PermissionDenied
        application = (
            Application.objects.select_related("tenant", "plan").filter(pk=application_id).first()
        )
        if application is None:
            raise Http404("No such application.")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Usage of {application}",
            "application": application,
            **usage_chart_context(application_id=application.pk),
        }
        return TemplateResponse(request, "admin/plans/usage_chart.html", context)


def usage_chart_context(*, application_id: int, days: int = CHART_DAYS) -> dict:
    """Bars (one per UTC hour, oldest first) and day labels for the chart template."""
    end = windows.hour_start(windows.now())
    start = end - timedelta(hours=days * 24 - 1)
    counts = usage_hourly(application_id=application_id, since=start, metrics=[HITS]).get(HITS, {})
    peak = max(counts.values(), default=0)
    bars, labels = [], []
    for i in range(days * 24):
        hour = start + timedelta(hours=i)
        count = counts.get(hour, 0)
        height = round(count / peak * _CHART_HEIGHT) if peak else 0
        if count and height == 0:
            height = 1
        x = i * _BAR_WIDTH
        bars.append(
            {"x": x, "y": _CHART_HEIGHT - height, "height": height, "hour": hour, "count": count}
        )
        if hour.hour == 0:
            labels.append({"x": x, "text": hour.strftime("%a %d %b")})
    return {
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "total": sum(counts.values()),
        "chart_width": days * 24 * _BAR_WIDTH,
        "chart_height": _CHART_HEIGHT,
        "bar_width": _BAR_WIDTH - 1,
        "since": start,
    }


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the usage flush only."""

    list_display = ("application", "key", "metric", "hour", "count")
    list_filter = ("metric",)
    search_fields = ("application__app_id", "application__tenant__name")
    date_hierarchy = "hour"
    list_select_related = ("application", "key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
