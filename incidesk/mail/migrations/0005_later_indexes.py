"""The inbound message's sender (on PostgreSQL with its `_like` twin: no query looks for a
sender by prefix), the outgoing mail's incident and recipient lose their one-column indexes: an
index or unique constraint in Meta starts with each column and serves every lookup on it,
including a delete's CASCADE (issue 13: one index entry less per row written). Each is one DROP
INDEX (`DropFieldIndex`), not SQLite's copy of the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from incidesk.core.schema import DropFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0025_later_indexes'),
        ('mail', '0004_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropFieldIndex(
            model_name='inboundmessage',
            name='sender',
            field=models.CharField(blank=True, max_length=254, verbose_name='sender'),
        ),
        DropFieldIndex(
            model_name='outgoingmail',
            name='incident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident', verbose_name='incident'),
        ),
        DropFieldIndex(
            model_name='outgoingmail',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
