# The chain's test guest (issue #28, "Send a test check"). Cheap per schema: a column with a constant default
# is a catalog change (PostgreSQL 11+), and the partial unique index holds at most one row (building it reads the
# table once).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('guests', '0005_sample_guests'),
        ('restaurants', '0002_content_type_moved'),
    ]

    operations = [
        migrations.AddField(
            model_name='guest',
            name='is_test',
            field=models.BooleanField(default=False, verbose_name='test guest'),
        ),
        migrations.AddConstraint(
            model_name='guest',
            constraint=models.UniqueConstraint(condition=models.Q(('is_test', True)), fields=('is_test',), name='guests_guest_one_test_guest'),
        ),
    ]
