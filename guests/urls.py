"""The guest base pages (owners, admins, managers): /guests/..."""

from django.urls import path

from guests import merge_views, views

app_name = "guests"
urlpatterns = [
    path("", views.guest_list_page, name="guest-list"),
    path("bulk-tag/", views.bulk_tag, name="guest-bulk-tag"),
    path("export.csv", views.export_csv, name="guest-export-csv"),
    path("export.xlsx", views.export_xlsx, name="guest-export-xlsx"),
    path("exports/<int:export_id>/", views.export_job, name="export-job"),
    path("exports/<int:export_id>/file", views.export_file, name="export-file"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import-job"),
    path("import/<int:job_id>/file", views.import_file, name="import-file"),
    path("duplicates/", merge_views.duplicate_list, name="duplicates"),
    path("duplicates/scan/", merge_views.duplicate_scan, name="duplicates-scan"),
    path("merge/<int:first_id>/<int:second_id>/", merge_views.merge_compare, name="guest-merge"),
    path("merges/<int:merge_id>/undo/", merge_views.merge_undo, name="merge-undo"),
    path("<int:guest_id>/", views.guest_detail, name="guest-detail"),
    path("<int:guest_id>/adjust/", views.adjust, name="guest-adjust"),
    path("<int:guest_id>/edit/", views.guest_edit, name="guest-edit"),
    path("<int:guest_id>/block/", views.guest_block, name="guest-block"),
    path("<int:guest_id>/unblock/", views.guest_unblock, name="guest-unblock"),
    path("<int:guest_id>/erase/", views.guest_erase, name="guest-erase"),
    path("<int:guest_id>/wallet-link/", views.guest_wallet_link, name="guest-wallet-link"),
]
