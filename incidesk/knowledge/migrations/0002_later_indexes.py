"""The article link's incident, the version's, view's, feedback's and owner task's article, the
view's user and the task's owner lose their one-column indexes: an index or unique constraint in
Meta starts with each column and serves every lookup on it, including a delete's CASCADE (issue
13: one index entry less per row written). Each is one DROP INDEX (`DropFieldIndex`), not
SQLite's copy of the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0025_later_indexes'),
        ('knowledge', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name='articlelink',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='article_links', to='incidents.incident'),
        ),
        DropFieldIndex(
            model_name='articleversion',
            name='article',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='knowledge.article'),
        ),
        DropFieldIndex(
            model_name='articleview',
            name='article',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='views', to='knowledge.article'),
        ),
        DropFieldIndex(
            model_name='articleview',
            name='user',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        DropFieldIndex(
            model_name='feedback',
            name='article',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='feedback', to='knowledge.article'),
        ),
        DropFieldIndex(
            model_name='ownertask',
            name='article',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='knowledge.article'),
        ),
        DropFieldIndex(
            model_name='ownertask',
            name='owner',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='article_tasks', to=settings.AUTH_USER_MODEL),
        ),
    ]
