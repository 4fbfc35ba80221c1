from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
