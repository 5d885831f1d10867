"""Break-glass alerts become notifications (issue 18, item 5): each `access.Alert` is copied, read
or not, as a `notifications.Notification` of kind break_glass linking to the child's audit (where
the alert's banner linked). The next migration drops `access.Alert`."""

from django.db import migrations


def alerts_to_notifications(apps, schema_editor):
    Alert = apps.get_model("access", "Alert")
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.bulk_create(
        [Notification(to_id=a.to_id, kind="break_glass", child_id=a.child_id, text=a.message[:500],
                      link=f"/audit/?child={a.child_id}", created_at=a.created_at, read_at=a.read_at)
         for a in Alert.objects.order_by("pk").iterator()],
        batch_size=1000,
    )


def notifications_to_alerts(apps, schema_editor):
    """Back again: break-glass notifications about a child become alerts (without their grant,
    which a notification does not keep)."""
    Alert = apps.get_model("access", "Alert")
    Notification = apps.get_model("notifications", "Notification")
    Alert.objects.bulk_create(
        [Alert(to_id=n.to_id, child_id=n.child_id, message=n.text, created_at=n.created_at, read_at=n.read_at)
         for n in Notification.objects.filter(kind="break_glass", child__isnull=False).order_by("pk").iterator()],
        batch_size=1000,
    )
    Notification.objects.filter(kind="break_glass").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0005_seed_decision_rules"),
        ("notifications", "0001_notification"),
    ]

    operations = [migrations.RunPython(alerts_to_notifications, notifications_to_alerts)]
