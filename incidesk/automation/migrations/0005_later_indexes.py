"""The decision's incident and the trigger run's trigger lose their one-column indexes: an index
or unique constraint in Meta starts with each column and serves every lookup on it, including a
delete's CASCADE (issue 13: one index entry less per row written). Each is one DROP INDEX
(`DropFieldIndex`), not SQLite's copy of the table."""

import django.db.models.deletion
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('automation', '0004_trigger_tags_watcher_notice_scheduled'),
        ('incidents', '0025_later_indexes'),
    ]

    operations = [
        DropFieldIndex(
            model_name='decision',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='automation_decisions', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='triggerrun',
            name='trigger',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='automation.trigger'),
        ),
    ]
