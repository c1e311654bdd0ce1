from django.urls import path

from accounts.api import views

app_name = "auth-api"
urlpatterns = [
    path("login", views.AuthLoginApi.as_view(), name="login"),
    path("refresh", views.AuthRefreshApi.as_view(), name="refresh"),
    path("logout", views.AuthLogoutApi.as_view(), name="logout"),
    path("me", views.AuthMeApi.as_view(), name="me"),
]
