from django.apps import AppConfig


class IROConfig(AppConfig):
    name = "safeguard.iro"
    label = "iro"
    verbose_name = "IRO's desk"
