from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "safeguard.web"
    label = "web"
    verbose_name = "Practitioners' web app"

    def ready(self) -> None:
        from safeguard.record.change import record_changed

        from .tabs import tab_counts_changed

        record_changed.connect(tab_counts_changed, dispatch_uid="web.tab_counts")
