from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("analytics/", views.analytics_page, name="analytics"),
    path("analytics/export/<slug:slug>.csv", views.metric_export, name="metric-export"),
    path("analytics/liability/", views.liability_page, name="liability"),
    path("analytics/liability/refresh/", views.liability_refresh, name="liability-refresh"),
    path("analytics/liability/statement/", views.liability_statement_export, name="liability-statement"),
    path("analytics/report/", views.report, name="report"),
]
