"""Abstract bases shared by every record model."""

from django.conf import settings
from django.db import models


class Recorded(models.Model):
    """A record a practitioner saves: versioned so two people cannot silently overwrite each other."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version += 1
        super().save(*args, **kwargs)


class InError(models.Model):
    """Corrections, never deletions: a mistaken entry is marked recorded in error, with a reason,
    and hidden from the everyday view (managers and the audit still see it)."""

    recorded_in_error = models.BooleanField(default=False)
    error_reason = models.CharField("reason it was recorded in error", max_length=500, blank=True)
    error_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
