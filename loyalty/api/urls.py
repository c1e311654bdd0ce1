from django.urls import path

from loyalty.api import backtest_views, views

app_name = "loyalty-api"
urlpatterns = [
    path("guests/<int:guest_id>/transactions", views.GuestTransactionsApi.as_view(), name="guest-transactions"),
    path("guests/<int:guest_id>/balance", views.GuestBalanceApi.as_view(), name="guest-balance"),
    path("guests/<int:guest_id>/accrue", views.GuestAccrueApi.as_view(), name="guest-accrue"),
    path("guests/<int:guest_id>/redeem", views.GuestRedeemApi.as_view(), name="guest-redeem"),
    path("guests/<int:guest_id>/adjust", views.GuestAdjustApi.as_view(), name="guest-adjust"),
    path("guests/<int:guest_id>/checks", views.GuestCheckApi.as_view(), name="guest-check"),
    path("transactions/<int:entry_id>/reverse", views.TransactionReverseApi.as_view(), name="transaction-reverse"),
    path("quote", views.QuoteApi.as_view(), name="quote"),
    path("levels", views.LevelListApi.as_view(), name="level-list"),
    path("levels/<int:level_id>", views.LevelDetailApi.as_view(), name="level-detail"),
    path("promos", views.PromoListApi.as_view(), name="promo-list"),
    path("promos/<int:promo_id>", views.PromoDetailApi.as_view(), name="promo-detail"),
    path("promos/<int:promo_id>/codes", views.PromoCodeListApi.as_view(), name="promo-code-list"),
    path("promos/<int:promo_id>/codes/<int:code_id>", views.PromoCodeDetailApi.as_view(), name="promo-code-detail"),
    path("program", views.ProgramApi.as_view(), name="program"),
    path("loyalty/drafts", backtest_views.DraftCreateApi.as_view(), name="draft-create"),
    path("loyalty/drafts/<int:draft_id>", backtest_views.DraftDetailApi.as_view(), name="draft-detail"),
    path("loyalty/drafts/<int:draft_id>/publish", backtest_views.DraftPublishApi.as_view(), name="draft-publish"),
    path("loyalty/backtests", backtest_views.BacktestCreateApi.as_view(), name="backtest-create"),
    path("loyalty/backtests/<int:backtest_id>", backtest_views.BacktestDetailApi.as_view(), name="backtest-detail"),
]
