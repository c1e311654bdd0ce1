from django.db.models import Model
from django.http import HttpRequest
from django.utils.deprecation import MiddlewareMixin
from django_tenants.models import TenantMixin

class TenantMainMiddleware(MiddlewareMixin):
    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str: ...
    def get_tenant(self, domain_model: type[Model], hostname: str) -> TenantMixin: ...
    def process_request(self, request: HttpRequest) -> None: ...
