from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Restaurant chains"

    def ready(self) -> None:
        from maxloyalty.readiness import register_check

        from . import signals  # noqa: F401
        from .partitions import check_partitions

        register_check("partitions", check_partitions)
