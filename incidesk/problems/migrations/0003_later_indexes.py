"""The problem event's problem loses its one-column index: an index or unique constraint in Meta
starts with its column and serves every lookup on it, including a delete's CASCADE (issue 13:
one index entry less per row written). It is one DROP INDEX (`DropFieldIndex`), not SQLite's
copy of the table."""

import django.db.models.deletion
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('problems', '0002_verbose_names'),
    ]

    operations = [
        DropFieldIndex(
            model_name='problemevent',
            name='problem',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='problems.problem'),
        ),
    ]
