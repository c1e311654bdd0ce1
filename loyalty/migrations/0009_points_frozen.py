# A fraud review may freeze a guest's points (fraud.services): spending is refused while frozen_at is set.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0008_level_change_on_merge'),
    ]

    operations = [
        migrations.AddField(
            model_name='pointsaccount',
            name='frozen_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='points frozen at'),
        ),
    ]
