from django.apps import AppConfig


class FrontDoorConfig(AppConfig):
    name = "safeguard.front_door"
    label = "front_door"
