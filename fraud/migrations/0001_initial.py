# The fraud rules: the chain's thresholds and the flags with their evidence and review (issue #27).

import django.db.models.deletion
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('guests', '0014_import_duplicates'),
        ('restaurants', '0003_restaurant_coordinates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FraudSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_enabled', models.BooleanField(default=True, verbose_name='fraud rules on')),
                ('max_checks_per_hour', models.PositiveIntegerField(default=4, verbose_name='most checks of one guest in an hour')),
                ('max_speed_kmh', models.PositiveIntegerField(default=120, verbose_name='fastest plausible travel between restaurants, km/h')),
                ('same_amount_repeats', models.PositiveIntegerField(default=3, verbose_name='same amount on one guest at one till: flag from this many checks')),
                ('same_amount_window_hours', models.PositiveIntegerField(default=24, verbose_name='… within hours')),
                ('cashier_share_factor', models.DecimalField(decimal_places=2, default=Decimal('3'), max_digits=5, verbose_name="a cashier's share above their restaurant's, times")),
                ('cashier_min_checks', models.PositiveIntegerField(default=20, verbose_name='checks a cashier needs before being compared')),
                ('cashier_window_days', models.PositiveIntegerField(default=30, verbose_name='cashier comparison over days')),
                ('registrations_without_visit', models.PositiveIntegerField(default=10, verbose_name='new guests of one cashier with no later visit: flag from')),
                ('registration_window_days', models.PositiveIntegerField(default=30, verbose_name='registrations over days')),
                ('alert_email', models.EmailField(blank=True, help_text="Empty: every owner's email", max_length=254, verbose_name='alert email')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'fraud settings',
                'verbose_name_plural': 'fraud settings',
            },
        ),
        migrations.CreateModel(
            name='FraudFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rule', models.CharField(choices=[('velocity', 'Too many checks in an hour'), ('distance', 'Restaurants too far apart for the time between'), ('same_amount', 'Same amount repeated at one till'), ('refund_after_redemption', 'Refund after the points were spent'), ('cashier_share', 'Cashier far above their restaurant'), ('registrations_without_visit', 'New guests with no later visit')], max_length=32, verbose_name='rule')),
                ('key', models.CharField(max_length=200, verbose_name='key')),
                ('evidence', models.JSONField(default=dict, verbose_name='evidence')),
                ('status', models.CharField(choices=[('open', 'Open'), ('dismissed', 'Dismissed'), ('actioned', 'Acted on')], default='open', max_length=16, verbose_name='status')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='flagged at')),
                ('alerted_at', models.DateTimeField(blank=True, null=True, verbose_name='owner alerted at')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                ('review_note', models.TextField(blank=True, verbose_name='review note')),
                ('guest', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='guests.guest', verbose_name='guest')),
                ('restaurant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='restaurants.restaurant', verbose_name='restaurant')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='staff member')),
            ],
            options={
                'verbose_name': 'fraud flag',
                'verbose_name_plural': 'fraud flags',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', '-created_at'], name='fraud_flag_status_idx'), models.Index(fields=['guest', '-created_at'], name='fraud_flag_guest_idx')],
                'constraints': [models.UniqueConstraint(fields=('key',), name='fraud_fraudflag_once')],
            },
        ),
    ]
