from django.urls import path

from campaigns.api import views

app_name = "campaigns-api"
urlpatterns = [
    path("segments", views.SegmentListApi.as_view(), name="segment-list"),
    path("segments/<int:segment_id>", views.SegmentDetailApi.as_view(), name="segment-detail"),
    path("segments/<int:segment_id>/preview", views.SegmentPreviewApi.as_view(), name="segment-preview"),
]
