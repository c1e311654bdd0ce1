"""Keep the host → chain routing cache true when a domain or a chain changes."""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from tenants.models import Chain, Domain
from tenants.routing import forget_chain, forget_host


@receiver(pre_save, sender=Domain)
def domain_about_to_change(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    if instance.pk:
        previous = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        if previous:
            forget_host(previous)


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def domain_changed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    forget_host(instance.domain)


@receiver(post_save, sender=Chain)
def chain_changed(sender: type[Chain], instance: Chain, **kwargs: Any) -> None:
    forget_chain(instance)
