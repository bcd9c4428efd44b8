"""PostgreSQL guards that hold even against raw SQL.

- Entries and journals are append-only: UPDATE and DELETE raise.
- A journal must balance (debits = credits, at least two entries, all in the journal's book) and its entries must
  be exactly what the journal declares (entry_count entries, debits = total), so nothing can be slipped into a
  posted journal later: a deferred constraint trigger checks each journal touched by the transaction at COMMIT.

On SQLite there are no such triggers; the posting service checks balance in Python (it does on PostgreSQL too).
"""
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is refused; the ledger is append-only (post a reversing journal)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_journal_append_only BEFORE UPDATE OR DELETE ON ledger_journal
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE OR REPLACE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    jid bigint;
    debits numeric;
    credits numeric;
    n integer;
    foreign_entries integer;
    declared_count integer;
    declared_total numeric;
BEGIN
    IF TG_TABLE_NAME = 'ledger_entry' THEN
        jid := NEW.journal_id;
    ELSE
        jid := NEW.id;
    END IF;
    SELECT coalesce(sum(amount) FILTER (WHERE side = 'D'), 0),
           coalesce(sum(amount) FILTER (WHERE side = 'C'), 0),
           count(*)
      INTO debits, credits, n
      FROM ledger_entry WHERE journal_id = jid;
    IF n < 2 OR debits <> credits THEN
        RAISE EXCEPTION 'ledger: journal % is unbalanced (debits %, credits %, % entries)', jid, debits, credits, n
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT entry_count, total INTO declared_count, declared_total FROM ledger_journal WHERE id = jid;
    IF n <> declared_count OR debits <> declared_total THEN
        RAISE EXCEPTION 'ledger: journal % has % entries totalling %, but declares % entries totalling %',
            jid, n, debits, declared_count, declared_total USING ERRCODE = 'check_violation';
    END IF;
    SELECT count(*) INTO foreign_entries
      FROM ledger_entry e
      JOIN ledger_account a ON a.id = e.account_id
      JOIN ledger_journal j ON j.id = e.journal_id
     WHERE e.journal_id = jid AND a.book_id <> j.book_id;
    IF foreign_entries > 0 THEN
        RAISE EXCEPTION 'ledger: journal % has entries on accounts of another book', jid
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced();
CREATE CONSTRAINT TRIGGER ledger_journal_balanced AFTER INSERT ON ledger_journal
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_journal_balanced ON ledger_journal;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_journal_balanced();
DROP TRIGGER IF EXISTS ledger_journal_append_only ON ledger_journal;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
