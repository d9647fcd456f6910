"""Keys get a prefixed public id (`key_…`), as tenants (`tn_…`) and applications (`app_…`)
have; existing keys get one each. The integer pk stays internal."""

from django.db import migrations, models

import apikeys.models


def fill_public_ids(apps, schema_editor):
    ApiKey = apps.get_model("apikeys", "ApiKey")
    for key in ApiKey.objects.filter(public_id__isnull=True).only("pk"):
        ApiKey.objects.filter(pk=key.pk).update(public_id=apikeys.models.new_key_public_id())


class Migration(migrations.Migration):
    dependencies = [("apikeys", "0002_applications")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="public_id",
            field=models.CharField(editable=False, max_length=40, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apikey",
            name="public_id",
            field=models.CharField(
                default=apikeys.models.new_key_public_id,
                editable=False,
                max_length=40,
                unique=True,
            ),
        ),
    ]
