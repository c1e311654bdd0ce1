from django.urls import path

from pos.views import till as views

app_name = "pos"
urlpatterns = [
    path("", views.cashier_home, name="cashier"),
    path("restaurant/", views.choose_restaurant, name="cashier-restaurant"),
    path("find/", views.find_guest, name="cashier-find"),
    path("register/", views.register_guest, name="cashier-register"),
    path("shift/", views.shift, name="cashier-shift"),
    path("tip/dismiss/", views.dismiss_tip, name="cashier-tip-dismiss"),
    path("guests/<int:guest_id>/", views.guest_panel, name="cashier-guest"),
    path("guests/<int:guest_id>/quote/", views.quote, name="cashier-quote"),
    path("guests/<int:guest_id>/apply/", views.apply, name="cashier-apply"),
    path("operations/<int:applied_check_id>/undo/", views.undo, name="cashier-undo"),
]
