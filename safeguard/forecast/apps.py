from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "safeguard.forecast"
    label = "forecast"
    verbose_name = "Forecast of demand for care"
