"""One receipt per POS check id and operation moves to ReceiptKey, claimed by a trigger before every insert into
the receipts (a check claimed already is not inserted again: that row's insert does nothing), ahead of the
receipts becoming partitioned by month (0009); a refund's foreign key to its sale is dropped (the relation stays)."""

import django.db.models.deletion
from django.db import migrations, models

# Insert: claim the check's key; a check claimed by another receipt is not inserted (the row's insert does nothing).
# A row moved to another month's partition by an update of its time is, for PostgreSQL, a delete and an insert of
# the same id: its own key row is found and kept. An in-place update of the time keeps the key's copy of it. A
# real delete releases the key.
CLAIM_KEY_SQL = """
CREATE FUNCTION pos_receipt_claim_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO pos_receiptkey (receipt_id, connection_id, external_id, operation, received_at)
    VALUES (NEW.id, NEW.connection_id, NEW.external_id, NEW.operation, NEW.received_at)
    ON CONFLICT (connection_id, external_id, operation) DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    UPDATE pos_receiptkey SET received_at = NEW.received_at WHERE receipt_id = NEW.id;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER pos_receipt_claim_key BEFORE INSERT ON pos_receipt
    FOR EACH ROW EXECUTE FUNCTION pos_receipt_claim_key();
CREATE FUNCTION pos_receipt_move_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE pos_receiptkey SET received_at = NEW.received_at WHERE receipt_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER pos_receipt_move_key BEFORE UPDATE OF received_at ON pos_receipt
    FOR EACH ROW WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at) EXECUTE FUNCTION pos_receipt_move_key();
CREATE FUNCTION pos_receipt_release_key() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM pos_receiptkey k WHERE k.receipt_id = OLD.id
        AND NOT EXISTS (SELECT 1 FROM pos_receipt r WHERE r.id = OLD.id);
    RETURN NULL;
END $$;
CREATE TRIGGER pos_receipt_release_key AFTER DELETE ON pos_receipt
    FOR EACH ROW EXECUTE FUNCTION pos_receipt_release_key();
"""
DROP_CLAIM_KEY_SQL = """
DROP TRIGGER IF EXISTS pos_receipt_release_key ON pos_receipt;
DROP FUNCTION IF EXISTS pos_receipt_release_key();
DROP TRIGGER IF EXISTS pos_receipt_move_key ON pos_receipt;
DROP FUNCTION IF EXISTS pos_receipt_move_key();
DROP TRIGGER IF EXISTS pos_receipt_claim_key ON pos_receipt;
DROP FUNCTION IF EXISTS pos_receipt_claim_key();
"""


class Migration(migrations.Migration):
    dependencies = [("pos", "0007_till_tip_dismissal")]

    operations = [
        migrations.AlterField(
            model_name="receipt",
            name="refund_of",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="refunds",
                to="pos.receipt",
                verbose_name="refund of",
            ),
        ),
        migrations.CreateModel(
            name="ReceiptKey",
            fields=[
                ("receipt_id", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="receipt")),
                ("connection_id", models.BigIntegerField(verbose_name="connection")),
                ("external_id", models.CharField(max_length=128, verbose_name="POS check id")),
                (
                    "operation",
                    models.CharField(
                        choices=[("sale", "Sale"), ("refund", "Refund or cancellation")], max_length=8, verbose_name="operation"
                    ),
                ),
                ("received_at", models.DateTimeField(verbose_name="received at")),
            ],
            options={
                "verbose_name": "receipt key",
                "verbose_name_plural": "receipt keys",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connection_id", "external_id", "operation"), name="pos_receiptkey_external_id_unique"
                    )
                ],
                "indexes": [models.Index(fields=["external_id"], name="pos_receiptkey_external_idx")],
            },
        ),
        migrations.RunSQL(CLAIM_KEY_SQL, DROP_CLAIM_KEY_SQL),
    ]
