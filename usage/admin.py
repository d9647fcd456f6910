"""Staff views of usage: the (read-only) usage records and the per-application usage chart."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from apikeys.models import Application
from plans import windows
from plans.models import HITS
from usage.analytics import PERIODS, analytics_context
from usage.charts import bar_chart
from usage.models import UsageRecord
from usage.selectors import usage_hourly

CHART_DAYS = 7
_BAR_WIDTH = 5
_CHART_HEIGHT = 180


def usage_chart_context(*, application_id: int, days: int = CHART_DAYS) -> dict:
    """Bars (one per UTC hour, oldest first) and day labels for the chart template."""
    end = windows.hour_start(windows.now())
    start = end - timedelta(hours=days * 24 - 1)
    counts = usage_hourly(application_id=application_id, since=start, metrics=[HITS]).get(HITS, {})
    hours = [start + timedelta(hours=i) for i in range(days * 24)]
    chart = bar_chart(
        [(hour, counts.get(hour, 0)) for hour in hours],
        bar_width=_BAR_WIDTH,
        height=_CHART_HEIGHT,
        label=lambda hour: hour.strftime("%a %d %b") if hour.hour == 0 else None,
    )
    return {**chart, "since": start}


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

    def get_urls(self):
        chart = path(
            "usage/<int:application_id>/",
            self.admin_site.admin_view(self.usage_chart_view),
            name="usage_application_chart",
        )
        analytics = path(
            "analytics/",
            self.admin_site.admin_view(self.analytics_view),
            name="usage_analytics",
        )
        return [chart, analytics, *super().get_urls()]

    def analytics_view(self, request):
        """Top applications and tenants, busiest hours, methods, 429s and near limits."""
        if not request.user.has_perm("usage.view_usagerecord"):
            raise PermissionDenied
        period = request.GET.get("period", "7d")
        if period not in PERIODS:
            raise Http404("Unknown period.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Usage analytics",
            **analytics_context(period=period),
        }
        return TemplateResponse(request, "admin/usage/analytics.html", context)

    def usage_chart_view(self, request, application_id: int):
        """Hits per hour of one application over the last 7 days, as inline SVG."""
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
        return TemplateResponse(request, "admin/usage/usage_chart.html", context)
