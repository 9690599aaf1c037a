"""The calendar exception's calendar and the SLA target's policy lose their one-column indexes:
an index or unique constraint in Meta starts with each column and serves every lookup on it,
including a delete's CASCADE (issue 13: one index entry less per row written). Each is one DROP
INDEX (`DropFieldIndex`), not SQLite's copy of the table."""

import django.db.models.deletion
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0008_registration_indexes'),
    ]

    operations = [
        DropFieldIndex(
            model_name='calendarexception',
            name='calendar',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='exceptions', to='sla.businesscalendar'),
        ),
        DropFieldIndex(
            model_name='slatarget',
            name='policy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='sla.slapolicy'),
        ),
    ]
