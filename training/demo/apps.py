from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "training.demo"
    label = "demo"
    verbose_name = "Demo city"
