from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = "Wallet passes"

    def ready(self) -> None:
        from wallet import signals  # noqa: F401  (the balance and level receivers)
