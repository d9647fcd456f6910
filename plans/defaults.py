"""The plans every deployment starts with, created by a data migration; staff edit them in
admin afterwards.

Plain strings on purpose: migration 0002 imports this module, and a migration must not change
when the model code does. tests/plans/test_defaults.py keeps them equal to ApiFamily/Method.
"""

ALL_FAMILIES = ["v1", "company", "churnkey"]
ALL_METHODS = [
    "customer.create",
    "customer.read",
    "customer.list",
    "customer.update",
    "customer.delete",
    "customer.lookup",
    "usage.read",
    "keys.manage",
    "customer.history",
    "customer.export",
    "customer.erase",
    "events.read",
    "webhooks.manage",
]


# slug, name, families, is_default, trial_days, limits [(metric, period, value)]
DEFAULT_PLANS = [
    ("bronze", "Bronze", ["v1"], False, None, [("hits", "minute", 60), ("hits", "day", 10_000)]),
    (
        "silver",
        "Silver",
        ALL_FAMILIES,
        False,
        None,
        [("hits", "minute", 600), ("hits", "day", 200_000)],
    ),
    (
        "gold",
        "Gold",
        ALL_FAMILIES,
        True,
        None,
        [("hits", "minute", 30_000), ("hits", "day", 5_000_000)],
    ),
    ("platinum", "Platinum", ALL_FAMILIES, False, None, [("hits", "minute", 100_000)]),
    (
        "trial",
        "Trial",
        ALL_FAMILIES,
        False,
        14,
        [("hits", "minute", 30), ("hits", "day", 1_000), ("customer.create", "day", 100)],
    ),
]


def ensure_default_plans(plan_model, limit_model) -> None:
    """Create any missing default plan with its limits; existing plans are left as edited."""
    for slug, name, families, is_default, trial_days, limits in DEFAULT_PLANS:
        plan, created = plan_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "families": families,
                "methods": ALL_METHODS,
                "is_default": is_default
                and not plan_model.objects.filter(is_default=True).exists(),
                "trial_days": trial_days,
            },
        )
        if created:
            for metric, period, value in limits:
                limit_model.objects.create(plan=plan, metric=metric, period=period, value=value)
