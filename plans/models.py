"""Application plans (3scale's model): which route families and methods a plan grants, and
its limits, each a (metric, period, value)."""

from django.core.exceptions import ValidationError
from django.db import models


class ApiFamily(models.TextChoices):
    V1 = "v1", "/v1 customers API"
    COMPANY = "company", "/api/{product}/v1/company/... routes"
    CHURNKEY = "churnkey", "/churnkey/customers routes"


class Method(models.TextChoices):
    """One per operation; every call also counts as the `hits` metric."""

    CUSTOMER_CREATE = "customer.create"
    CUSTOMER_READ = "customer.read"
    CUSTOMER_LIST = "customer.list"
    CUSTOMER_UPDATE = "customer.update"
    CUSTOMER_DELETE = "customer.delete"
    CUSTOMER_LOOKUP = "customer.lookup"
    USAGE_READ = "usage.read"
    KEYS_MANAGE = "keys.manage"
    CUSTOMER_HISTORY = "customer.history"
    CUSTOMER_EXPORT = "customer.export"
    CUSTOMER_ERASE = "customer.erase"
    EVENTS_READ = "events.read"
    WEBHOOKS_MANAGE = "webhooks.manage"


HITS = "hits"
METRICS = [HITS, *Method.values]
# Recorded in usage (never limited): requests the limiter refused with a 429.
RATE_LIMITED = "rate_limited"


class Period(models.TextChoices):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ETERNITY = "eternity"


class Plan(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    families = models.JSONField(
        default=list, blank=True, help_text=f"Route families granted: {ApiFamily.values}"
    )
    methods = models.JSONField(
        default=list, blank=True, help_text=f"Methods enabled: {Method.values}"
    )
    requires_approval = models.BooleanField(default=False)
    trial_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="If set, applications on this plan stop after so many days.",
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="plan_single_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for attr, allowed in (("families", ApiFamily.values), ("methods", Method.values)):
            value = getattr(self, attr)
            if not isinstance(value, list) or any(item not in allowed for item in value):
                raise ValidationError({attr: f"Must be a list drawn from {allowed}."})


class PlanLimit(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="limits")
    metric = models.CharField(max_length=32, choices=[(m, m) for m in METRICS], default=HITS)
    period = models.CharField(max_length=10, choices=Period.choices)
    value = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["plan", "metric", "period"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "metric", "period"], name="plan_limit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.metric} ≤ {self.value}/{self.period}"
