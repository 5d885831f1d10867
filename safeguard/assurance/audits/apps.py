from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "safeguard.assurance.audits"
    label = "audits"
    verbose_name = "Case file audits"
