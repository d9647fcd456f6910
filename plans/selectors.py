"""Reads of plans."""

from plans.models import Plan


def plan_get_default() -> Plan:
    """The plan new applications get when none is named (a data migration guarantees one)."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise Plan.DoesNotExist("No default plan: mark one plan as default in admin.")
    return plan


def plan_get_by_slug(*, slug: str) -> Plan | None:
    return Plan.objects.filter(slug=slug).first()
