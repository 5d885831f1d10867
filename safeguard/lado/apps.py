from django.apps import AppConfig


class LadoConfig(AppConfig):
    name = "safeguard.lado"
    label = "lado"
    verbose_name = "Allegations against adults (LADO)"
