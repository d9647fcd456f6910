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

    def get_urls(self):
        chart = path(
            "usage/<int:application_id>/",
            self.admin_site.admin_view(self.usage_chart_view),
            name="usage_application_chart",
        )
        return [chart, *super().get_urls()]

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
