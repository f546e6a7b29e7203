from django.apps import AppConfig


class HarvestsConfig(AppConfig):
    name = "harvests"
