from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from messaging import signals  # noqa: F401  (connects anymail's tracking signal)
