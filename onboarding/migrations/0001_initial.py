# The setup checklist's dismissal (issue #28): one small table per chain schema.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChecklistDismissal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_single', models.BooleanField(default=True, editable=False)),
                ('dismissed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='dismissed at')),
                ('dismissed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'setup checklist dismissal',
                'verbose_name_plural': 'setup checklist dismissals',
                'constraints': [models.UniqueConstraint(fields=('is_single',), name='onboarding_dismissal_one_per_chain')],
            },
        ),
    ]
