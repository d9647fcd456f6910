"""Creates the bronze, silver, gold, platinum and trial plans (all editable in admin afterwards)."""

from django.db import migrations

ALL_FAMILIES = ["v1", "company", "churnkey"]
ALL_METHODS = [
    "customer.create", "customer.read", "customer.list", "customer.update",
    "customer.delete", "customer.lookup", "usage.read", "keys.manage",
]

PLANS = [
    # slug, name, families, default?, trial_days, limits [(metric, period, value)]
    ("bronze", "Bronze", ["v1"], False, None,
     [("hits", "minute", 60), ("hits", "day", 10_000)]),
    ("silver", "Silver", ALL_FAMILIES, False, None,
     [("hits", "minute", 600), ("hits", "day", 200_000)]),
    ("gold", "Gold", ALL_FAMILIES, True, None,
     [("hits", "minute", 30_000), ("hits", "day", 5_000_000)]),
    ("platinum", "Platinum", ALL_FAMILIES, False, None,
     [("hits", "minute", 100_000)]),
    ("trial", "Trial", ALL_FAMILIES, False, 14,
     [("hits", "minute", 30), ("hits", "day", 1_000), ("customer.create", "day", 100)]),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    PlanLimit = apps.get_model("plans", "PlanLimit")
    for slug, name, families, is_default, trial_days, limits in PLANS:
        plan, created = Plan.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "families": families,
                "methods": ALL_METHODS,
                "is_default": is_default,
                "trial_days": trial_days,
            },
        )
        if created:
            for metric, period, value in limits:
                PlanLimit.objects.create(plan=plan, metric=metric, period=period, value=value)


def remove_plans(apps, schema_editor):
    apps.get_model("plans", "Plan").objects.filter(slug__in=[p[0] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(create_plans, remove_plans)]
