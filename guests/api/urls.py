"""Guest endpoints under /api/v1/ (the loyalty app adds /guests/{id}/transactions, /balance, /accrue, ...)."""

from django.urls import path

from guests.api import views

app_name = "guests-api"
urlpatterns = [
    path("guests", views.GuestListCreateApi.as_view(), name="guest-list"),
    path("guests/duplicates", views.GuestDuplicateListApi.as_view(), name="guest-duplicates"),
    path("guests/lookup", views.GuestLookupApi.as_view(), name="guest-lookup"),
    path("guests/export", views.GuestExportApi.as_view(), name="guest-export"),
    path("guests/import", views.GuestImportApi.as_view(), name="guest-import"),
    path("guests/import/<int:job_id>", views.GuestImportStatusApi.as_view(), name="guest-import-status"),
    path("guests/<int:guest_id>", views.GuestDetailApi.as_view(), name="guest-detail"),
    path("guests/<int:guest_id>/wallet", views.GuestWalletApi.as_view(), name="guest-wallet"),
    path("guests/<int:guest_id>/wallet-link", views.GuestWalletLinkApi.as_view(), name="guest-wallet-link"),
    path("guests/<int:guest_id>/visits", views.GuestVisitListApi.as_view(), name="guest-visits"),
    path("guests/<int:guest_id>/merge", views.GuestMergeApi.as_view(), name="guest-merge"),
    path("guest-merges/<int:merge_id>/undo", views.GuestMergeUndoApi.as_view(), name="guest-merge-undo"),
    path("guests/<int:guest_id>/block", views.GuestBlockApi.as_view(), name="guest-block"),
    path("guests/<int:guest_id>/unblock", views.GuestUnblockApi.as_view(), name="guest-unblock"),
]
