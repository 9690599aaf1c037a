"""Uploaded files stay inert: their type comes from their bytes, their names are cleaned at every
intake (portal, API, e-mail), and every link the desk shows to a file (portal, tracking link,
console, API) sends it as a download that no browser runs or renders."""

from __future__ import annotations

import base64
import importlib
import mimetypes
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, reverse
from django.urls.resolvers import RegexPattern, URLResolver

import incidesk.urls
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.incidents import actions, files
from incidesk.incidents.models import Attachment, Incident
from incidesk.incidents.tests.apiclient import PREFIX, Api
from incidesk.incidents.tests.factories import make_incident
from incidesk.mail.inbound import receive
from incidesk.mail.models import Outcome
from incidesk.portal.models import TrackingLink
from incidesk.portal.tests.forms import REPORT_FORM

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /S /JavaScript /JS (app.alert(document.cookie)) >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# name -> (the type it really is, its content)
ACTIVE = {
    "script.js": ("text/javascript", b"fetch('/api/v1/incidents').then(r => r.text())\n"),
    "схема.svg": (
        "image/svg+xml",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
    ),
    "page.html": ("text/html", b"<!doctype html><script>alert(document.domain)</script>"),
    "счёт.pdf": ("application/pdf", PDF_WITH_JAVASCRIPT),
}
HOSTILE_NAME = "../..\x00evil\r\u202egnp.js"
FORM = REPORT_FORM


def upload(incident: Incident, name: str, content: bytes, declared: str) -> Attachment:
    return actions.do_add_attachment(
        incident,
        actor=incident.reporter,
        upload=SimpleUploadedFile(name, content, content_type=declared),
    )


def _link(page: HttpResponse, attachment: Attachment) -> str:
    """The href a page gives to the file."""
    assert page.status_code == 200
    found = re.search(
        rf'href="([^"]*/(?:files|attachments)/{attachment.pk}/?)"', page.content.decode()
    )
    assert found, f"no link to attachment {attachment.pk}"
    return found.group(1)


def fetch_everywhere(attachment: Attachment) -> dict[str, HttpResponse]:
    """The file fetched through the link each surface shows, as that surface's user."""
    incident = attachment.incident
    customer = Client()
    customer.force_login(incident.reporter)
    portal_page = customer.get(reverse("portal:incident", args=[incident.number]))
    visitor = Client()
    tracking_page = visitor.get(reverse("portal:track", args=[TrackingLink.issue(incident)]))
    agent = Client()
    agent.force_login(AgentFactory())
    console_page = agent.get(reverse("console:incident", args=[incident.number]))
    return {
        "portal": customer.get(_link(portal_page, attachment)),
        "tracking link": visitor.get(_link(tracking_page, attachment)),
        "console": agent.get(_link(console_page, attachment)),
        "api": Api(incident.reporter).get(
            f"/incidents/{incident.number}/attachments/{attachment.pk}"
        ),
    }


def assert_inert_download(
    response: HttpResponse, name: str, content: bytes, content_type: str = files.OCTET_STREAM
) -> None:
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(name, safe='')}" in disposition
    assert re.search(r'filename="[ -~]+"', disposition)
    assert response["X-Content-Type-Options"] == "nosniff"
    directives = [part.split()[0] for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in directives
    assert {part.strip() for part in response["Cache-Control"].split(",")} >= {
        "private",
        "no-store",
    }


# --- what a file is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"GIF87a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", files.OCTET_STREAM),
        (b"\x89PNG", files.OCTET_STREAM),  # a signature cut short is no PNG
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", files.OCTET_STREAM),
        (b"<?xml version='1.0'?>", files.OCTET_STREAM),
        (b"<!doctype html>", files.OCTET_STREAM),
        (PDF_WITH_JAVASCRIPT, files.OCTET_STREAM),
        (b"alert(1)", files.OCTET_STREAM),
        (b"", files.OCTET_STREAM),
    ],
)
def test_only_allowed_images_keep_a_type(head, expected):
    assert files.type_of(head[: files.HEAD_BYTES]) == expected


@pytest.mark.parametrize("name", ACTIVE)
@pytest.mark.parametrize("declared", ["real", "image/png"])
def test_active_content_is_an_inert_download_from_every_link(name, declared):
    real_type, content = ACTIVE[name]
    attachment = upload(
        make_incident(), name, content, real_type if declared == "real" else declared
    )
    assert attachment.content_type == files.OCTET_STREAM
    for surface, response in fetch_everywhere(attachment).items():
        try:
            assert_inert_download(response, name, content)
        except AssertionError as failure:
            raise AssertionError(f"{surface}: {failure}") from failure


def test_a_real_png_is_served_as_png_whatever_it_was_declared_as():
    attachment = upload(make_incident(), "снимок экрана.png", PNG, "text/html")
    assert attachment.content_type == "image/png"
    for surface, response in fetch_everywhere(attachment).items():
        try:
            assert_inert_download(response, "снимок экрана.png", PNG, "image/png")
        except AssertionError as failure:
            raise AssertionError(f"{surface}: {failure}") from failure


def test_files_stored_before_the_check_are_typed_again_at_download():
    name, (real_type, content) = "page.html", ACTIVE["page.html"]
    attachment = upload(make_incident(), name, content, real_type)
    # As the old intake stored it (no NUL here: PostgreSQL text cannot hold one).
    Attachment.objects.filter(pk=attachment.pk).update(
        content_type="text/html", original_name="..\u202e\rpage.html"
    )
    attachment.refresh_from_db()
    for surface, response in fetch_everywhere(attachment).items():
        try:
            assert_inert_download(response, "page.html", content)
        except AssertionError as failure:
            raise AssertionError(f"{surface}: {failure}") from failure


def test_an_upload_is_never_a_script_the_site_would_run(settings):
    """The site's CSP trusts scripts from 'self'. A stored file has no extension a server could
    type as a script, and no URL serves the media folder, not even with DEBUG on."""
    attachment = upload(make_incident(), "app.js", b"alert(1)", "text/javascript")
    assert mimetypes.guess_type(attachment.file.name) == (None, None)
    settings.DEBUG = True
    try:
        importlib.reload(incidesk.urls)
        resolver = URLResolver(RegexPattern(r"^/"), incidesk.urls)
        with pytest.raises(Resolver404):
            resolver.resolve(f"/{settings.MEDIA_URL}{attachment.file.name}")
    finally:
        settings.DEBUG = False
        importlib.reload(incidesk.urls)


# --- what a file is called -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        (HOSTILE_NAME, "evilgnp.js"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\u2066b\u2067c\u2068d\u2069e\u202a\u202b\u202c\u202d.txt", "abcde.txt"),
        ("nul\x00del\x7fc1\x85\x9bend.log", "nuldelc1end.log"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        (".htaccess", "htaccess"),
        ("отчёт  за\tмай.pdf", "отчёт замай.pdf"),
        ("Отчёт за май.pdf", "Отчёт за май.pdf"),
        ("../..", files.DEFAULT_NAME),
        ("\u202e\x00", files.DEFAULT_NAME),
        ("", files.DEFAULT_NAME),
        ("я" * 300 + ".docx", "я" * (files.MAX_NAME_LENGTH - 5) + ".docx"),
        ("a." + "b" * 300, ("a." + "b" * 300)[: files.MAX_NAME_LENGTH]),
    ],
)
def test_names_lose_what_could_hide_or_break_them(uploaded, kept):
    assert files.clean_name(uploaded) == kept


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=utf-8''report.pdf"),
        (
            "отчёт.pdf",
            'attachment; filename="file.pdf"; '
            "filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf",
        ),
        ("Café résumé.txt", "attachment; filename=\"Cafe resume.txt\"; filename*=utf-8''Caf"),
        (
            'a"b\\c;d.txt',
            "attachment; filename=\"a_b_c_d.txt\"; filename*=utf-8''a%22b%5Cc%3Bd.txt",
        ),
    ],
)
def test_download_names_have_utf8_and_an_ascii_fallback(name, header):
    assert files.content_disposition(name).startswith(header)


def _multipart(fields: dict, field: str, name: str, content: bytes, declared: str) -> tuple:
    """A form body whose file name carries raw control characters (RFC 2231 `filename*`), as a
    hostile client can send it; the test client's own encoder would not."""
    boundary = "incidesk-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f"filename*=utf-8''{quote(name, safe='')}\r\nContent-Type: {declared}\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_portal_form_cleans_the_name_and_types_the_file(client):
    client.force_login(CustomerFactory())
    body, content_type = _multipart(FORM, "files", HOSTILE_NAME, b"alert(1)", "image/png")
    response = client.post(reverse("portal:new"), body, content_type=content_type)
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == (
        "evilgnp.js",
        files.OCTET_STREAM,
    )


def test_api_upload_cleans_the_name_and_types_the_file():
    incident = make_incident()
    api = Api(incident.reporter)
    body, content_type = _multipart({}, "file", HOSTILE_NAME, b"alert(1)", "image/png")
    response = api.client.post(
        f"{PREFIX}/incidents/{incident.number}/attachments", body, content_type=content_type
    )
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["content_type"]) == (
        "evilgnp.js",
        files.OCTET_STREAM,
    )


def test_e_mail_cleans_the_name_and_types_the_file():
    customer = CustomerFactory(email="olga@example.ru")
    raw = (
        "From: Olga <olga@example.ru>\r\n"
        "To: support@localhost\r\n"
        "Subject: =?utf-8?B?0J3QtSDQvtGC0LrRgNGL0LLQsNC10YLRgdGPINGE0LDQudC7?=\r\n"
        "Message-ID: <hostile-name@example.ru>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="MIX"\r\n'
        "\r\n"
        "--MIX\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Файл во вложении.\r\n"
        "--MIX\r\n"
        "Content-Type: image/png\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{quote(HOSTILE_NAME, safe='')}\r\n"
        "\r\n"
        "alert(document.domain)\r\n"
        "--MIX--\r\n"
    ).encode()
    message = receive(raw, source="stdin")
    assert message.outcome == Outcome.INCIDENT, message.reason
    assert message.incident.reporter == customer
    attachment = message.incident.attachments.get()
    assert (attachment.original_name, attachment.content_type) == (
        "evilgnp.js",
        files.OCTET_STREAM,
    )
