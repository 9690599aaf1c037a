"""The comment's, time entry's and watcher's incident, the watcher's person, the link's source
and the idempotency key's user lose their one-column indexes: an index or unique constraint in
Meta starts with each column and serves every lookup on it, including a delete's CASCADE (issue
13: one index entry less per row written). Each is one DROP INDEX (`DropFieldIndex`), not
SQLite's copy of the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0024_registration_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name='comment',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='idempotencykey',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        DropFieldIndex(
            model_name='incidentlink',
            name='source',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='links_out', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='timeentry',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='time_entries', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='watcher',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='watchers', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='watcher',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='watching', to=settings.AUTH_USER_MODEL),
        ),
    ]
