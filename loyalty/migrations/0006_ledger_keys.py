"""The ledger's uniqueness moves to LedgerKey (filled by a trigger on every insert into the ledger), ahead of the
ledger becoming partitioned by month (0007), which cannot keep a unique index without the month in it; the foreign
keys pointing at the ledger and at visits are dropped for the same reason (the relations stay)."""

import django.db.models.deletion
from django.db import migrations, models

# Insert: claim the keys (a used idempotency key or a second reversal fails the insert). An update that changes the
# entry's time keeps the key's copy of it; one that moves the row to another month's partition is, for PostgreSQL,
# a delete and an insert of the same id: the insert refreshes the key row, the delete leaves it. A real delete
# releases the keys.
CLAIM_KEY_SQL = """
CREATE FUNCTION loyalty_ledger_claim_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO loyalty_ledgerkey (entry_id, idempotency_key, created_at, reverses_id)
    VALUES (NEW.id, NEW.idempotency_key, NEW.created_at, NEW.reverses_id)
    ON CONFLICT (entry_id) DO UPDATE SET created_at = EXCLUDED.created_at;
    RETURN NEW;
END $$;
CREATE TRIGGER loyalty_ledger_claim_key BEFORE INSERT ON loyalty_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_claim_key();
CREATE FUNCTION loyalty_ledger_move_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE loyalty_ledgerkey SET created_at = NEW.created_at WHERE entry_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER loyalty_ledger_move_key BEFORE UPDATE OF created_at ON loyalty_ledgerentry
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) EXECUTE FUNCTION loyalty_ledger_move_key();
CREATE FUNCTION loyalty_ledger_release_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM loyalty_ledgerkey k WHERE k.entry_id = OLD.id
        AND NOT EXISTS (SELECT 1 FROM loyalty_ledgerentry e WHERE e.id = OLD.id);
    RETURN NULL;
END $$;
CREATE TRIGGER loyalty_ledger_release_key AFTER DELETE ON loyalty_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_release_key();
"""
DROP_CLAIM_KEY_SQL = """
DROP TRIGGER IF EXISTS loyalty_ledger_release_key ON loyalty_ledgerentry;
DROP FUNCTION IF EXISTS loyalty_ledger_release_key();
DROP TRIGGER IF EXISTS loyalty_ledger_move_key ON loyalty_ledgerentry;
DROP FUNCTION IF EXISTS loyalty_ledger_move_key();
DROP TRIGGER IF EXISTS loyalty_ledger_claim_key ON loyalty_ledgerentry;
DROP FUNCTION IF EXISTS loyalty_ledger_claim_key();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0005_restaurant_moved"),
        ("guests", "0007_guest_export"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="reverses",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversals",
                to="loyalty.ledgerentry",
                verbose_name="reverses",
            ),
        ),
        migrations.AlterField(
            model_name="appliedcheck",
            name="visit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="guests.visit",
            ),
        ),
        migrations.CreateModel(
            name="LedgerKey",
            fields=[
                ("entry_id", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="ledger entry")),
                ("idempotency_key", models.CharField(max_length=200, verbose_name="idempotency key")),
                ("created_at", models.DateTimeField(verbose_name="time")),
                ("reverses_id", models.BigIntegerField(blank=True, null=True, verbose_name="reverses")),
            ],
            options={
                "verbose_name": "ledger key",
                "verbose_name_plural": "ledger keys",
                "constraints": [
                    models.UniqueConstraint(fields=("idempotency_key",), name="loyalty_ledgerkey_idempotency_key_unique"),
                    models.UniqueConstraint(
                        condition=models.Q(("reverses_id__isnull", False)),
                        fields=("reverses_id",),
                        name="loyalty_ledgerkey_reversed_once",
                    ),
                ],
            },
        ),
        migrations.RunSQL(CLAIM_KEY_SQL, DROP_CLAIM_KEY_SQL),
    ]
