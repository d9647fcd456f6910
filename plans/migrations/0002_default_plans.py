"""Creates the bronze, silver, gold, platinum and trial plans (all editable in admin afterwards)."""

from django.db import migrations

from plans.defaults import DEFAULT_PLANS, ensure_default_plans


def create_plans(apps, schema_editor):
    ensure_default_plans(apps.get_model("plans", "Plan"), apps.get_model("plans", "PlanLimit"))


def remove_plans(apps, schema_editor):
    apps.get_model("plans", "Plan").objects.filter(slug__in=[p[0] for p in DEFAULT_PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(create_plans, remove_plans)]
