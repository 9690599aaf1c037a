from django.db import migrations

from incidesk.sla import seed


def load(apps, schema_editor):
    seed.load(apps)


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_seed_calendars"), ("catalog", "0002_seed")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
