from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "safeguard.assessment"
    label = "assessment"
