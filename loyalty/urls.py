"""The loyalty program pages (owners and admins): /loyalty/..."""

from django.urls import path

from loyalty import backtest_views, views

app_name = "loyalty"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("preview/", views.preview, name="preview"),
    path("drafts/", backtest_views.draft_list, name="draft-list"),
    path("drafts/<int:draft_id>/", backtest_views.draft_edit, name="draft-edit"),
    path("drafts/<int:draft_id>/backtests/", backtest_views.backtest_start, name="backtest-start"),
    path("drafts/<int:draft_id>/publish/", backtest_views.draft_publish, name="draft-publish"),
    path("backtests/<int:backtest_id>/", backtest_views.backtest_detail, name="backtest-detail"),
    path("levels/", views.level_list, name="level-list"),
    path("levels/new/", views.level_create, name="level-create"),
    path("levels/<int:level_id>/", views.level_edit, name="level-edit"),
    path("levels/<int:level_id>/delete/", views.level_delete, name="level-delete"),
    path("promos/", views.promo_list, name="promo-list"),
    path("promos/new/", views.promo_create, name="promo-create"),
    path("promos/<int:promo_id>/", views.promo_edit, name="promo-edit"),
    path("promos/<int:promo_id>/delete/", views.promo_delete, name="promo-delete"),
    path("promos/<int:promo_id>/codes/", views.promo_code_create, name="promo-code-create"),
    path(
        "promos/<int:promo_id>/codes/<int:code_id>/deactivate/",
        views.promo_code_deactivate,
        name="promo-code-deactivate",
    ),
]
