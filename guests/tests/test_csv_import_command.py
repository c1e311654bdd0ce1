"""`manage.py import_guests`: good rows kept, duplicates merged by phone, bad rows reported with line numbers, rows
matching other guests reported as probable duplicates."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from audit.models import AuditEntry
from guests.models import Guest, GuestSource
from guests.tests.factories import GuestFactory

CSV = """phone,first_name,last_name,email,birthday,gender,tags,card_number,note,sms_consent,loyalty_tier
8 (916) 123-45-67,Ivan,Petrov,IVAN@mail.ru,1990-05-17,m,vip;wine,,first,yes,gold
+7 903 555 00 11,Olga,,olga@mail.ru,17.05.1985,ж,,,,no,
12345,Bad,Phone,,,,,,,,
9161234567,,Petrov-Vodkin,,,,tea,,,,
+7 903 555 00 22,Bad,Date,,31.02.2000,,,,,,
,No,Phone,,,,,,,,
+7 903 555 00 33,Bad,Gender,,,x,,,,,
+7 903 555 00 44,Card,Taken,,,,,777788889999,,,
+7 921 000 11 22,Anna,Merge,,,,,,,,
"""


def _run(alpha, tmp_path, text=CSV, *extra):
    path = tmp_path / "guests.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("import_guests", str(path), "--chain", alpha.chain.slug, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def existing(alpha):
    GuestFactory(phone="+79035550099", card_number="777788889999")
    return GuestFactory(phone="+79210001122", first_name="Anna", last_name="Old", email="anna@mail.ru", tags=["old"])


def test_good_rows_are_created_and_duplicates_merged_by_phone(alpha, tmp_path, existing):
    out, _err = _run(alpha, tmp_path)
    assert "9 rows: 3 created, 2 updated, 4 failed" in out
    ivan = Guest.objects.get(phone="+79161234567")
    assert (ivan.first_name, ivan.last_name, ivan.email) == ("Ivan", "Petrov-Vodkin", "ivan@mail.ru")
    assert ivan.tags == ["vip", "wine", "tea"]
    assert str(ivan.birthday) == "1990-05-17" and ivan.gender == "male"
    assert ivan.has_consent("sms") and ivan.source == GuestSource.IMPORT
    olga = Guest.objects.get(phone="+79035550011")
    assert (olga.gender, str(olga.birthday), olga.has_consent("sms")) == ("female", "1985-05-17", False)
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.email) == ("Anna", "Merge", "anna@mail.ru")
    assert existing.tags == ["old"]


def test_bad_rows_are_reported_with_line_and_reason(alpha, tmp_path, existing):
    _out, err = _run(alpha, tmp_path)
    assert "line 4: phone:" in err and "12345" in err
    assert "line 6: birthday 31.02.2000 is not a date" in err
    assert "line 7: phone is empty" in err
    assert "line 8: gender must be female or male" in err
    assert "line 9:" not in err  # a card of another guest: kept without the card, reported as a duplicate
    assert "Ignored unknown column: loyalty_tier" in err
    assert not Guest.objects.filter(first_name="Bad").exists()


def test_import_is_audited_as_the_named_staff_member(alpha, tmp_path, existing):
    _run(alpha, tmp_path, CSV, "--actor", alpha.user("admin").email)
    created = AuditEntry.objects.filter(action="guest.created", data__source="import")
    assert created.count() == 3
    assert {entry.actor_id for entry in created} == {alpha.user("admin").id}


def test_semicolon_separated_windows_1251_file(alpha, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("phone;first_name\n+79161234567;Иван\n".encode("cp1251"))
    out = StringIO()
    call_command("import_guests", str(path), "--chain", alpha.chain.slug, stdout=out, stderr=StringIO())
    assert "1 created" in out.getvalue()
    assert Guest.objects.get(phone="+79161234567").first_name == "Иван"


def test_file_without_phone_column_is_refused(alpha, tmp_path):
    with pytest.raises(CommandError, match="phone"):
        _run(alpha, tmp_path, "name,email\nIvan,ivan@mail.ru\n")


def test_unknown_chain_is_refused(alpha, tmp_path):
    path = tmp_path / "guests.csv"
    path.write_text("phone\n+79161234567\n")
    with pytest.raises(CommandError, match="No chain"):
        call_command("import_guests", str(path), "--chain", "nope")


def test_progress_bar_reaches_every_row(alpha, tmp_path):
    rows = "".join(f"+7916{n:07d}\n" for n in range(120))
    _out, err = _run(alpha, tmp_path, "phone\n" + rows)
    assert "120/120" in err
    assert Guest.objects.count() == 120


def test_rows_matching_other_guests_are_reported_as_duplicates(alpha, tmp_path, existing):
    out, _err = _run(alpha, tmp_path)
    card_owner = Guest.objects.get(phone="+79035550099")
    row_guest = Guest.objects.get(phone="+79035550044")
    assert f"line 9: guest #{row_guest.pk} may be the same as #{card_owner.pk} by card" in out
    assert row_guest.card_number != "777788889999"
