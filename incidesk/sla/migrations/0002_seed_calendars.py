from django.db import migrations
from django.utils import timezone

from incidesk.sla import russia


def load(apps, schema_editor):
    russia.seed_calendars(apps, timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
