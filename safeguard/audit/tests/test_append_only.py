"""The audit trail no one can edit: the database itself refuses UPDATE and DELETE (ARCHITECTURE.md)."""

import pytest
from django.db import DatabaseError, transaction

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_database_refuses_update_and_delete_of_audit_rows(child, worker):
    event = AuditEvent.objects.filter(child_id=child.pk).first()
    assert event is not None and event.actor == worker and event.action == "create"
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_audit_row_finds_the_child(child, worker):
    row = audit_record(actor=worker, action="view", obj=child, reason="duty check")
    assert row.child_id == child.pk and row.object_type == "people.Child"
