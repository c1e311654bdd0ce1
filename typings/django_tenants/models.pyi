# The parts of django-tenants 4.0 this project uses (the package ships no types). See typings/README.md.
from typing import Any

from django.db import models

class TenantMixin(models.Model):
    auto_drop_schema: bool
    auto_create_schema: bool
    schema_name = models.CharField(max_length=63, unique=True)
    def save(self, verbosity: int = 1, *args: Any, **kwargs: Any) -> None: ...
    def activate(self) -> None: ...
    @classmethod
    def deactivate(cls) -> None: ...
    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> bool: ...

class DomainMixin(models.Model):
    domain = models.CharField(max_length=253, unique=True)
    is_primary = models.BooleanField(default=True)
