from django.urls import path

from pos.api import views

app_name = "pos-api"
urlpatterns = [
    path("pos/connections", views.PosConnectionListApi.as_view(), name="connection-list"),
    path("pos/connections/<int:connection_id>", views.PosConnectionDetailApi.as_view(), name="connection-detail"),
    path(
        "pos/connections/<int:connection_id>/rotate-secret",
        views.PosConnectionRotateSecretApi.as_view(),
        name="connection-rotate-secret",
    ),
    path(
        "pos/connections/<int:connection_id>/rotate-token",
        views.PosConnectionRotateTokenApi.as_view(),
        name="connection-rotate-token",
    ),
    path("pos/connections/<int:connection_id>/sync", views.PosConnectionSyncApi.as_view(), name="connection-sync"),
    path("pos/connections/<int:connection_id>/sync-runs", views.SyncRunListApi.as_view(), name="sync-run-list"),
    path("pos/receipts", views.ReceiptListApi.as_view(), name="receipt-list"),
    path("pos/receipts/<int:receipt_id>", views.ReceiptDetailApi.as_view(), name="receipt-detail"),
    path("pos/receipts/<int:receipt_id>/rerun", views.ReceiptRerunApi.as_view(), name="receipt-rerun"),
    path("receipt-claims", views.ReceiptClaimListApi.as_view(), name="receipt-claim-list"),
    path("receipt-claims/<int:claim_id>", views.ReceiptClaimDetailApi.as_view(), name="receipt-claim-detail"),
    path("receipt-claims/<int:claim_id>/match", views.ReceiptClaimMatchApi.as_view(), name="receipt-claim-match"),
    path("receipt-claims/<int:claim_id>/reject", views.ReceiptClaimRejectApi.as_view(), name="receipt-claim-reject"),
    path("pos/rejected-attempts", views.RejectedAttemptListApi.as_view(), name="rejected-attempt-list"),
    path("pos/webhooks/<int:connection_id>", views.PosWebhookReceiveApi.as_view(), name="webhook-receive"),
    path("pos/iiko/<int:connection_id>/webhook", views.IikoWebhookReceiveApi.as_view(), name="iiko-webhook-receive"),
    path(
        "pos/rkeeper/<int:connection_id>/notify",
        views.RkeeperNotificationReceiveApi.as_view(),
        name="rkeeper-notification-receive",
    ),
]
