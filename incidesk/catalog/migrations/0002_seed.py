from django.db import migrations

from incidesk.catalog import seed


def load(apps, schema_editor):
    seed.load(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
