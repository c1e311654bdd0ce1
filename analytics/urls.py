from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("analytics/", views.analytics_page, name="analytics"),
    path("analytics/export/<slug:slug>.csv", views.metric_export, name="metric-export"),
    path("analytics/report/", views.report, name="report"),
]
