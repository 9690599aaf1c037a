"""The clock's incident loses its one-column index: `unique_clock` (incident, metric)
starts with it (issue 13: one index entry less per clock a registration starts)."""

import django.db.models.deletion
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0024_registration_indexes'),
        ('sla', '0007_verbose_names'),
    ]

    operations = [
        DropFieldIndex(
            model_name='slaclock',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='sla_clocks', to='incidents.incident'),
        ),
    ]
