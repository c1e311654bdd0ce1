from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"
    verbose_name = "Health probes and metrics"

    def ready(self) -> None:
        from observability import signals  # noqa: F401  (connects the receivers)
