from django.urls import path

from telegram_bot.api import views

app_name = "telegram_bot-api"
urlpatterns = [
    path("telegram/mini-app/me", views.MiniAppProfileApi.as_view(), name="mini-app-profile"),
    path("telegram/mini-app/history", views.MiniAppHistoryApi.as_view(), name="mini-app-history"),
    path("telegram/mini-app/promos", views.MiniAppPromoListApi.as_view(), name="mini-app-promos"),
    path("telegram/mini-app/receipt-claims", views.MiniAppReceiptClaimApi.as_view(), name="mini-app-receipt-claims"),
    path("telegram/mini-app/restaurants", views.MiniAppRestaurantListApi.as_view(), name="mini-app-restaurants"),
]
