from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "safeguard.assurance.complaints"
    label = "complaints"
    verbose_name = "Complaints and representations"
