from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import auth as views
from accounts.views import quick_search, sessions, switchers

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("chains/", views.chain_chooser, name="chain-chooser"),
    path("handoff/", views.handoff, name="handoff"),
    path("chains/switch/", switchers.switch_chain, name="switch-chain"),
    path("restaurant/", switchers.switch_restaurant, name="switch-restaurant"),
    path("search/", quick_search.quick_search_results, name="quick-search"),
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/<str:handle>/end/", sessions.session_end, name="session-end"),
    path("sessions/end-others/", sessions.sessions_end_others, name="sessions-end-others"),
    path("password/change/", views.PasswordChange.as_view(), name="password-change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password-change-done",
    ),
    path("password/reset/", views.PasswordResetRequest.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
]
