"""Program drafts and their backtests (loyalty.services.backtests)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0009_points_frozen"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Backtest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("days", models.PositiveSmallIntegerField(verbose_name="days")),
                ("period_start", models.DateTimeField(verbose_name="from")),
                ("period_end", models.DateTimeField(verbose_name="until")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0, verbose_name="checks to replay")),
                ("processed", models.PositiveIntegerField(default=0, verbose_name="checks replayed")),
                ("draft_data", models.JSONField(default=dict, verbose_name="draft as backtested")),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="result")),
                ("failure", models.TextField(blank=True, verbose_name="why the backtest failed")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
            ],
            options={
                "verbose_name": "backtest",
                "verbose_name_plural": "backtests",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ProgramDraft",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, max_length=200, verbose_name="name")),
                ("data", models.JSONField(default=dict, verbose_name="draft program")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("scheduled", "Scheduled to publish"), ("published", "Published")],
                        default="draft",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("publish_at", models.DateTimeField(blank=True, null=True, verbose_name="takes effect at")),
                ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published at")),
            ],
            options={
                "verbose_name": "program draft",
                "verbose_name_plural": "program drafts",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="backtest",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="programdraft",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="programdraft",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="programdraft",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="backtest",
            name="draft",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="backtests", to="loyalty.programdraft"
            ),
        ),
        migrations.AddIndex(
            model_name="programdraft",
            index=models.Index(
                condition=models.Q(("status", "scheduled")), fields=["publish_at"], name="loyalty_programdraft_due_idx"
            ),
        ),
    ]
