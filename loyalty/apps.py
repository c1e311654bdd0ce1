from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty program and points"

    def ready(self) -> None:
        from loyalty import signals  # noqa: F401  (connects the receivers)
