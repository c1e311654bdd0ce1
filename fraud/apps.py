from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Abuse and fraud flags"

    def ready(self) -> None:
        from fraud import signals  # noqa: F401  (connects the receivers)
