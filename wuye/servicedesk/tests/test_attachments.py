"""Attachments: photos checked by their content, the customer's signature from a canvas, and
the scoped view that serves them."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wuye.core.errors import DomainError, PermissionDenied
from wuye.dataio.storage import private_storage
from wuye.servicedesk import services as s
from wuye.servicedesk.models import TicketAttachment, TicketKind
from wuye.servicedesk.services import attachments
from wuye.servicedesk.tests.conftest import at
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path, monkeypatch):
    """Attachments go to a temporary private directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], "location": tmp_path / "private"}},
    }
    monkeypatch.setattr(TicketAttachment._meta.get_field("file"), "storage", private_storage())


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def ticket(world, register):
    ticket = register(actor=world.resident, channel="portal")
    ticket = s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(2))
    return s.ticket_accept(actor=world.tech, ticket=ticket, now=at(5))


# --- adding ----------------------------------------------------------------------------------


def test_a_photo_is_stored_privately_with_the_type_found_in_its_content(world, ticket):
    # When the technician adds a photo during the work
    attachment = s.attachment_add(
        actor=world.tech, ticket=ticket, upload=upload(JPEG, "现场.JPG"), stage="work", now=at(10)
    )
    # Then it is stored in the private storage under a name of our own
    assert (attachment.kind, attachment.stage, attachment.name) == ("photo", "work", "现场.JPG")
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(JPEG))
    assert attachment.uploaded_by == world.tech
    assert attachment.file.name.startswith(f"servicedesk/{ticket.pk}/")
    assert attachment.file.name.endswith(".jpg")
    assert private_storage().exists(attachment.file.name)
    with attachment.file.open("rb") as handle:
        assert handle.read() == JPEG
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 — no public URL
    event = ticket.events.order_by("-id").first()
    assert event.code == "servicedesk.ticket.attachment_added"
    assert event.data == {
        "attachment": attachment.pk,
        "kind": "photo",
        "stage": "work",
        "name": "现场.JPG",
        "size": len(JPEG),
        "content_type": "image/jpeg",
    }


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [
        (PNG, "image/png", ".png"),
        (WEBP, "image/webp", ".webp"),
        (HEIC, "image/heic", ".heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00" + b"\x00" * 20, "image/heif", ".heif"),
    ],
)
def test_png_webp_and_heic_photos_are_accepted_whatever_their_name(
    world, ticket, content, content_type, extension
):
    attachment = s.attachment_add(
        actor=world.desk, ticket=ticket, upload=upload(content, "IMG_0001.jpg"), now=at(10)
    )
    assert attachment.content_type == content_type
    assert attachment.file.name.endswith(extension)


def test_a_text_file_renamed_jpg_is_refused_on_the_upload_field(world, ticket):
    fake = upload(b"hello, this is not a picture\n", "leak.jpg", "image/jpeg")
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.tech, ticket=ticket, upload=fake, now=at(10))
    assert (err.value.field, err.value.code) == ("upload", "file_type")
    assert not TicketAttachment.objects.exists()


def test_size_and_emptiness_are_checked(world, ticket):
    big = upload(JPEG + b"\x00" * (attachments.MAX_UPLOAD_BYTES - len(JPEG) + 1))
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.tech, ticket=ticket, upload=big, now=at(10))
    assert (err.value.field, err.value.code) == ("upload", "file_too_large")
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.tech, ticket=ticket, upload=upload(b""), now=at(10))
    assert (err.value.field, err.value.code) == ("upload", "empty_file")
    just = upload(JPEG + b"\x00" * (attachments.MAX_UPLOAD_BYTES - len(JPEG)))
    assert s.attachment_add(actor=world.tech, ticket=ticket, upload=just, now=at(10)).pk


def test_a_pdf_is_a_file_not_a_photo(world, ticket):
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.desk, ticket=ticket, upload=upload(PDF, "a.pdf"), now=at(9))
    assert err.value.field == "upload"
    attachment = s.attachment_add(
        actor=world.desk, ticket=ticket, upload=upload(PDF, "quote.pdf"), kind="file", now=at(10)
    )
    assert attachment.content_type == "application/pdf"


def test_kind_and_stage_must_be_known(world, ticket):
    for kwargs, field in (({"kind": "video"}, "kind"), ({"stage": "later"}, "stage")):
        with pytest.raises(DomainError) as err:
            s.attachment_add(actor=world.desk, ticket=ticket, upload=upload(JPEG), **kwargs)
        assert err.value.field == field


def test_the_reporting_resident_adds_photos_of_the_report_only(world, ticket):
    attachment = s.attachment_add(
        actor=world.resident, ticket=ticket, upload=upload(PNG, "leak.png"), now=at(10)
    )
    assert (attachment.stage, attachment.uploaded_by) == ("report", world.resident)
    for kwargs in ({"stage": "completion"}, {"kind": "file"}, {"kind": "signature"}):
        with pytest.raises(PermissionDenied):
            s.attachment_add(
                actor=world.resident, ticket=ticket, upload=upload(PNG), now=at(11), **kwargs
            )


def test_who_may_add_attachments(world, register, ticket):
    neighbour = f.UserFactory(username="neighbour", mobile="13800003333")
    world.occupant3.user = neighbour
    world.occupant3.save(update_fields=["user"])
    for stranger in (neighbour, world.cleaner, world.district, world.manager2, world.outsider):
        with pytest.raises(PermissionDenied):
            s.attachment_add(actor=stranger, ticket=ticket, upload=upload(JPEG), now=at(10))
    # a guard who registered a finding adds its photo, though not assigned
    finding = register(actor=world.guard, kind=TicketKind.REPAIR_PUBLIC, channel="inspection")
    assert s.attachment_add(actor=world.guard, ticket=finding, upload=upload(JPEG), now=at(1)).pk
    with pytest.raises(PermissionDenied):
        s.attachment_add(
            actor=world.guard, ticket=finding, upload=upload(JPEG), stage="work", now=at(2)
        )


def test_no_attachments_on_a_closed_ticket_and_at_most_a_few_per_ticket(
    world, register, ticket, monkeypatch
):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENTS_PER_TICKET", 2)
    for _ in range(2):
        s.attachment_add(actor=world.tech, ticket=ticket, upload=upload(JPEG), now=at(10))
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.tech, ticket=ticket, upload=upload(JPEG), now=at(11))
    assert err.value.code == "too_many_attachments"
    cancelled = s.ticket_cancel(actor=world.desk, ticket=register(), reason="Duplicate", now=at(1))
    with pytest.raises(DomainError) as err:
        s.attachment_add(actor=world.desk, ticket=cancelled, upload=upload(JPEG), now=at(2))
    assert err.value.code == "invalid_transition"


# --- signature -------------------------------------------------------------------------------


def _data_url(content: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(content).decode()


def test_the_customers_signature_from_the_canvas_is_stored_as_a_png(world, ticket):
    signature = s.signature_add(
        actor=world.tech, ticket=ticket, data_url=_data_url(PNG), now=at(30)
    )
    assert (signature.kind, signature.stage, signature.content_type) == (
        "signature",
        "completion",
        "image/png",
    )
    with signature.file.open("rb") as handle:
        assert handle.read() == PNG


def test_a_bad_signature_is_refused_on_the_signature_field(world, ticket, monkeypatch):
    bad = [
        "",
        _data_url(JPEG, "image/jpeg"),
        _data_url(JPEG),  # says PNG, is not
        "data:image/png;base64,***not base64***",
        "javascript:alert(1)",
    ]
    for data_url in bad:
        with pytest.raises(DomainError) as err:
            s.signature_add(actor=world.tech, ticket=ticket, data_url=data_url, now=at(30))
        assert err.value.field == "signature", data_url
    with pytest.raises(PermissionDenied):
        s.signature_add(actor=world.cleaner, ticket=ticket, data_url=_data_url(PNG), now=at(30))
    monkeypatch.setattr(attachments, "MAX_SIGNATURE_CHARS", 100)
    with pytest.raises(DomainError) as err:
        s.signature_add(actor=world.tech, ticket=ticket, data_url=_data_url(PNG * 3), now=at(30))
    assert (err.value.field, err.value.code) == ("signature", "file_too_large")
    assert not TicketAttachment.objects.exists()


# --- serving ---------------------------------------------------------------------------------


def _url(attachment: TicketAttachment) -> str:
    return reverse("desk:attachment", args=[attachment.pk])


def test_staff_in_scope_and_the_reporter_get_the_file_with_safe_headers(client, world, ticket):
    photo = s.attachment_add(
        actor=world.resident, ticket=ticket, upload=upload(PNG, "漏水 照片.jpg"), now=at(10)
    )
    for name in ("desk", "tech", "district", "admin", "resident"):
        client.force_login(world.users[name])
        response = client.get(_url(photo))
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"].startswith("private")
        assert response["Content-Disposition"].startswith("inline")
        assert "sandbox" in response["Content-Security-Policy"]


def test_everyone_else_gets_404_and_anonymous_is_sent_to_login(client, world, ticket):
    photo = s.attachment_add(actor=world.tech, ticket=ticket, upload=upload(JPEG), now=at(10))
    neighbour = f.UserFactory(username="neighbour", mobile="13800003333")
    world.occupant3.user = neighbour
    world.occupant3.save(update_fields=["user"])
    for user in (neighbour, world.manager2, world.admin_b, world.outsider):
        client.force_login(user)
        assert client.get(_url(photo)).status_code == 404, user
    client.force_login(world.desk)
    assert client.get(reverse("desk:attachment", args=[photo.pk + 1000])).status_code == 404
    assert client.post(_url(photo)).status_code == 405
    client.logout()
    response = client.get(_url(photo))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_pdf_downloads_and_a_missing_file_is_404(client, world, ticket):
    pdf = s.attachment_add(
        actor=world.desk, ticket=ticket, upload=upload(PDF, "报价.pdf"), kind="file", now=at(10)
    )
    client.force_login(world.desk)
    response = client.get(_url(pdf))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    b"".join(response.streaming_content)
    private_storage().delete(pdf.file.name)
    assert client.get(_url(pdf)).status_code == 404
