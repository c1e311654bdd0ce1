from django.urls import path

from analytics.api import views

app_name = "analytics-api"
urlpatterns = [
    path("analytics/liability", views.LiabilityApi.as_view(), name="liability"),
    path("analytics/liability/refresh", views.LiabilityRefreshApi.as_view(), name="liability-refresh"),
    path("analytics/liability/statement", views.LiabilityStatementApi.as_view(), name="liability-statement"),
]
