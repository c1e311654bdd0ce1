from django.urls import path

from campaigns.api import views

app_name = "campaigns-api"
urlpatterns = [
    path("segments", views.SegmentListApi.as_view(), name="segment-list"),
    path("segments/<int:segment_id>", views.SegmentDetailApi.as_view(), name="segment-detail"),
    path("segments/<int:segment_id>/preview", views.SegmentPreviewApi.as_view(), name="segment-preview"),
    path("campaigns", views.CampaignListApi.as_view(), name="campaign-list"),
    path("campaigns/<int:campaign_id>", views.CampaignDetailApi.as_view(), name="campaign-detail"),
    path("campaigns/<int:campaign_id>/send", views.CampaignSendApi.as_view(), name="campaign-send"),
    path("campaigns/<int:campaign_id>/results", views.CampaignResultsApi.as_view(), name="campaign-results"),
]
