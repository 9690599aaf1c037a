"""Fewer index entries per registration (issue 13): the assignee, team, reporter and
organisation lose their one-column indexes (`inc_assignee`, `inc_team`, `inc_reporter`,
`inc_organisation` start with them), the timeline event's incident loses its own
(`event_incident` starts with it), and the catalogue references a registration leaves NULL
get partial indexes that hold no NULL. Each drop is one DROP INDEX (`DropFieldIndex`), not
SQLite's copy of the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_sign_in_second_factor'),
        ('catalog', '0003_no_answer_code'),
        ('incidents', '0023_overview_index_search_vector'),
        ('problems', '0002_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name='incident',
            name='assignee',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_incidents', to=settings.AUTH_USER_MODEL, verbose_name='assignee'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='category',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.category', verbose_name='category'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='cause',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.cause', verbose_name='cause'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='hold_reason',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.holdreason', verbose_name='hold reason'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='organisation',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='accounts.organisation', verbose_name='organisation'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='reporter',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reported_incidents', to=settings.AUTH_USER_MODEL, verbose_name='reporter'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='resolution_code',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.resolutioncode', verbose_name='resolution code'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='service',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.service', verbose_name='service'),
        ),
        DropFieldIndex(
            model_name='incident',
            name='team',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='accounts.team', verbose_name='team'),
        ),
        DropFieldIndex(
            model_name='timelineevent',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='incidents.incident'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('hold_reason__isnull', False)), fields=['hold_reason'], name='inc_hold_reason'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('category__isnull', False)), fields=['category'], name='inc_category'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('service__isnull', False)), fields=['service'], name='inc_service'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('cause__isnull', False)), fields=['cause'], name='inc_cause'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('resolution_code__isnull', False)), fields=['resolution_code'], name='inc_resolution_code'),
        ),
    ]
