"""The saved segments' pages: /segments/..."""

from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.segment_list, name="segment-list"),
    path("new/", views.segment_create, name="segment-create"),
    path("preview/", views.segment_preview_part, name="segment-preview"),
    path("settings/", views.segment_settings, name="segment-settings"),
    path("<int:segment_id>/", views.segment_edit, name="segment-edit"),
    path("<int:segment_id>/count/", views.segment_count_part, name="segment-count"),
    path("<int:segment_id>/delete/", views.segment_delete, name="segment-delete"),
]
