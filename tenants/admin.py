from django.contrib import admin

from tenants.models import Chain, Domain


class DomainInline(admin.TabularInline[Domain, Chain]):
    model = Domain
    extra = 0


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin[Chain]):
    list_display = ("name", "slug", "status", "currency", "time_zone", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "created_at", "updated_at")
    inlines = [DomainInline]
