from django.urls import path

from accounts.views import staff

app_name = "staff"
urlpatterns = [
    path("", staff.staff_list, name="list"),
    path("invite/", staff.staff_invite, name="invite"),
    path("<int:membership_id>/", staff.staff_edit, name="edit"),
    path("<int:membership_id>/active/", staff.staff_set_active, name="set-active"),
    path("invitations/<int:invitation_id>/resend/", staff.invitation_resend, name="invitation-resend"),
    path("invitations/<int:invitation_id>/revoke/", staff.invitation_revoke, name="invitation-revoke"),
    path("invitation/", staff.invitation_accept, name="invitation-accept"),
]
