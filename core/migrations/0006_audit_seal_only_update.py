"""On PostgreSQL, the append-only trigger of audit events lets one UPDATE through: the seal.

Events are now written unsealed and sealed after their transaction commits (``core.audit.audit_seal``). The trigger
function is replaced (the trigger itself, ``core_auditevent_append_only``, keeps its name and still fires BEFORE
UPDATE OR DELETE of each row): DELETE is always refused; UPDATE only when it is exactly a seal, that is the event
was unsealed (``seq``, ``prev_hash`` and ``hash`` all null), it now has all three, and nothing else changed. So a
sealed event can never change again, and an unsealed event's content never changes.

Existing rows were sealed when they were written (seq, prev_hash and hash set under the chain head's lock), and the
chain head already ends at the last of them: they are left exactly as they are and still verify. No data changes.

Going back needs every event sealed first (``manage.py audit_verify`` seals them): 0005's reverse makes the three
columns NOT NULL again.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The seal: an unsealed event gets its place in the chain, and nothing else about it changes. Every other
    -- column is compared through to_jsonb, so a column added to the table later is guarded without a new trigger.
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'])
           IS NOT DISTINCT FROM (to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'])
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit: UPDATE on core_auditevent is refused; the audit trail is append-only (%)',
            'an unsealed event may be sealed once, with nothing else about it changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RAISE EXCEPTION 'audit: % on core_auditevent is refused; the audit trail is append-only', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""

# 0003's function: every UPDATE and DELETE refused.
BACKWARD = r"""
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit: % on core_auditevent is refused; the audit trail is append-only', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_audit_event_unsealed")]
    operations = [migrations.RunPython(forward, backward)]
