from django.urls import path

from onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.checklist_page, name="checklist"),
    path("dismiss/", views.checklist_dismiss, name="checklist-dismiss"),
]
