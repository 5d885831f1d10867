from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "safeguard.assurance.supervision"
    label = "supervision"
    verbose_name = "Supervision"
