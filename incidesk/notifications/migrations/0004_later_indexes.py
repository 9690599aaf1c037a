"""The notification's recipient loses its one-column index: an index or unique constraint in
Meta starts with its column and serves every lookup on it, including a delete's CASCADE (issue
13: one index entry less per row written). It is one DROP INDEX (`DropFieldIndex`), not SQLite's
copy of the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
    ]
