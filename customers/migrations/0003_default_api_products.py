"""The `tse` product the Smart Customer API document uses in every example."""

from django.db import migrations


def create_tse(apps, schema_editor):
    ApiProduct = apps.get_model("customers", "ApiProduct")
    ApiProduct.objects.get_or_create(slug="tse", defaults={"name": "TSE", "is_active": True})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_api_product")]

    operations = [migrations.RunPython(create_tse, migrations.RunPython.noop)]
