from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Restaurant chains"

    def ready(self) -> None:
        from maxloyalty.readiness import register_database_question

        from . import signals  # noqa: F401
        from .partitions import partitions_readiness

        register_database_question("partitions", partitions_readiness)
