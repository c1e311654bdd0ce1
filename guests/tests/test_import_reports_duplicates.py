"""A guest import reports the rows that match existing guests (by phone, email or card) in its result, rows kept:
a phone match updates that guest, an email or card of another guest makes a new guest listed beside the match."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile

from guests.models import Guest
from guests.services import import_guests_csv, run_import_job, start_import_job
from guests.tests.factories import GuestFactory
from tests.fixtures import signed_in_client

CSV = """phone,first_name,email,card_number
+7 903 111 00 01,Same Phone,,
+7 903 111 00 02,Same Email,Maria@Mail.ru,
+7 903 111 00 03,Same Card,,{card}
+7 903 111 00 04,Nobody,new@mail.ru,
"""


def test_import_lists_rows_matching_existing_guests(alpha):
    by_phone = GuestFactory(phone="+79031110001", email="")
    by_email = GuestFactory(email="maria@mail.ru")
    by_card = GuestFactory(email="")
    report = import_guests_csv(BytesIO(CSV.format(card=by_card.card_number).encode()), actor=None)
    assert (report.created, report.updated, report.failed) == (3, 1, 0)
    same_email = Guest.objects.get(phone="+79031110002")
    same_card = Guest.objects.get(phone="+79031110003")
    assert report.duplicates == [
        {"line": 2, "guest_id": by_phone.pk, "matches": [{"guest_id": by_phone.pk, "reasons": ["phone"]}]},
        {"line": 3, "guest_id": same_email.pk, "matches": [{"guest_id": by_email.pk, "reasons": ["email"]}]},
        {"line": 4, "guest_id": same_card.pk, "matches": [{"guest_id": by_card.pk, "reasons": ["card"]}]},
    ]
    assert same_card.card_number != by_card.card_number  # the card stays its owner's


def test_the_import_page_lists_the_duplicates_with_a_compare_link(alpha, access_of, chain_storage):
    by_email = GuestFactory(email="maria@mail.ru")
    upload = SimpleUploadedFile("guests.csv", b"phone,email\n+7 903 111 00 09,maria@mail.ru\n", content_type="text/csv")
    job = start_import_job(access=access_of("admin"), upload=upload)
    run_import_job(job_id=job.pk)
    page = signed_in_client(alpha, "admin").get(f"/guests/import/{job.pk}/").content.decode()
    row_guest = Guest.objects.get(phone="+79031110009")
    assert 'data-testid="import-duplicate"' in page
    assert f"/guests/merge/{by_email.pk}/{row_guest.pk}/" in page
