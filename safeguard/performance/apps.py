from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "safeguard.performance"
    label = "performance"
    verbose_name = "Performance scorecard"

    def ready(self):
        # Kept figures are marked stale by the record's unit of work once it writes a change: the
        # record (a lower layer) sends the signal and knows nothing of the scorecard.
        from safeguard.record.change import record_changed as signal

        from .services import record_changed

        signal.connect(record_changed, dispatch_uid="performance.kept_figures")
