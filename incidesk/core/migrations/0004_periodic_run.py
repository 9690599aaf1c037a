from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_verbose_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='PeriodicRun',
            fields=[
                ('name', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('due_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'periodic run',
                'verbose_name_plural': 'periodic runs',
            },
        ),
    ]
