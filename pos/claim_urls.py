"""The receipt claims' staff pages: /receipt-claims/..."""

from django.urls import path

from pos.views import claims as views

app_name = "receipt-claims"
urlpatterns = [
    path("", views.claim_list, name="claim-list"),
    path("<int:claim_id>/", views.claim_detail, name="claim-detail"),
    path("<int:claim_id>/match/", views.claim_match, name="claim-match"),
    path("<int:claim_id>/reject/", views.claim_reject, name="claim-reject"),
]
