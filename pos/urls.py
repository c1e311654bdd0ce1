from django.urls import path

from pos import views

app_name = "pos"
urlpatterns = [path("", views.cashier_home, name="cashier")]
