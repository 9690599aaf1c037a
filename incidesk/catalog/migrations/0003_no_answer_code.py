from django.db import migrations

from incidesk.catalog import seed


def load(apps, schema_editor):
    seed.load(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_seed")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
