"""Adds applications between tenants and keys; every existing key moves onto its tenant's
default application (on the default plan)."""

import django.db.models.deletion
from django.db import migrations, models

import apikeys.models


def move_keys_onto_applications(apps, schema_editor):
    ApiKey = apps.get_model("apikeys", "ApiKey")
    Application = apps.get_model("apikeys", "Application")
    Plan = apps.get_model("plans", "Plan")
    default_plan = Plan.objects.filter(is_default=True).first()
    tenant_ids = ApiKey.objects.filter(tenant__isnull=False).values_list("tenant_id", flat=True)
    for tenant_id in set(tenant_ids):
        application = Application.objects.create(
            tenant_id=tenant_id,
            app_id=apikeys.models.new_app_id(),
            name="Default application",
            plan=default_plan,
            state="live",
        )
        ApiKey.objects.filter(tenant_id=tenant_id).update(application=application)


class Migration(migrations.Migration):
    dependencies = [
        ("apikeys", "0001_initial"),
        ("plans", "0002_default_plans"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Application",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("app_id", models.CharField(default=apikeys.models.new_app_id, max_length=40, unique=True)),
                ("name", models.CharField(default="Default application", max_length=100)),
                ("state", models.CharField(choices=[("pending", "Pending approval"), ("live", "Live"), ("suspended", "Suspended")], default="live", max_length=10)),
                ("trial_ends_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("plan", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="applications", to="plans.plan")),
                ("tenant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="applications", to="tenants.tenant")),
            ],
            options={"ordering": ["tenant", "created_at"]},
        ),
        migrations.AddField(
            model_name="apikey",
            name="application",
            field=models.ForeignKey(blank=True, help_text="Empty only for provider keys, which belong to the service operator.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="keys", to="apikeys.application"),
        ),
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(blank=True, default=apikeys.models.all_scopes, help_text="Any of ['read', 'write']."),
        ),
        migrations.RunPython(move_keys_onto_applications, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="apikey", name="apikey_tenant_key_has_tenant"),
        migrations.RemoveField(model_name="apikey", name="tenant"),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(condition=models.Q(("kind", "cmp"), ("application__isnull", False), _connector="OR"), name="apikey_tenant_key_has_application"),
        ),
    ]
