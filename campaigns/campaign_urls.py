"""The campaigns' pages: /campaigns/..."""

from django.urls import path

from campaigns import campaign_views as views

app_name = "campaigns-pages"
urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("preview/", views.campaign_text_preview, name="campaign-preview"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign-detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path("<int:campaign_id>/progress/", views.campaign_progress_part, name="campaign-progress"),
    path("<int:campaign_id>/send/", views.campaign_send, name="campaign-send"),
    path("<int:campaign_id>/cancel/", views.campaign_cancel, name="campaign-cancel"),
]
