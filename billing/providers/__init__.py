"""Payment providers behind one interface (base.PaymentProvider): `provider_for(name)` gives the adapter.

Importing the package registers every provider module (stripe, yookassa) in base.PROVIDERS.
"""

from billing.providers import stripe, yookassa  # noqa: F401  (the modules register themselves)
from billing.providers.base import PaymentProvider, provider_for

__all__ = ["PaymentProvider", "provider_for"]
