"""Files in an S3-compatible bucket shared by several nodes (a real server: moto's, on loopback).

A file uploaded through one node is downloaded through another, byte for byte and with the same
inert headers; nothing lands on a node's disk; objects stay private and no link into the bucket
is made; a pending report's files leave the bucket once it is confirmed; and a bucket that
cannot be reached refuses the upload clearly, leaving nothing half-done.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from incidesk.accounts.tests.factories import CustomerFactory
from incidesk.incidents.models import Attachment, Incident
from incidesk.incidents.tests.apiclient import Api, assert_problem, nothing_written
from incidesk.incidents.tests.conftest import PREFIX, Bucket, S3Server, use_bucket
from incidesk.incidents.tests.factories import make_incident
from incidesk.incidents.tests.test_files import (
    FORM,
    PNG,
    assert_inert_download,
    fetch_everywhere,
)
from incidesk.portal.models import PendingFile, PendingReport
from incidesk.settings import file_storage

pytestmark = pytest.mark.django_db

REPORT = "Отчёт о сбое.bin"
CONTENT = os.urandom(200_000)
MEMORY_LIMIT = 64 * 2**10
"""Below the size of `CONTENT`: downloads spill to a temporary file and are streamed from it."""
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers", "AuthenticatedUsers")
ANONYMOUS = {
    **FORM,
    "contact_email": "anna@example.com",
    "contact_name": "Анна Смирнова",
    "contact_phone": "",
}
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:8000(/confirm/[\w-]+/)")


def _upload_through_api(incident: Incident, name: str, content: bytes):
    return Api(incident.reporter).upload(
        f"/incidents/{incident.number}/attachments", file=SimpleUploadedFile(name, content)
    )


def _files_on_disk(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_api_upload_is_a_private_object_served_only_through_the_downloads(s3, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = MEMORY_LIMIT
    incident = make_incident()
    response = _upload_through_api(incident, REPORT, CONTENT)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    key = f"{PREFIX}/{attachment.file.name}"
    assert s3.keys() == [key]
    assert s3.read(key) == CONTENT
    assert _files_on_disk(Path(settings.MEDIA_ROOT)) == []
    grants = s3.client.get_object_acl(Bucket=s3.name, Key=key)["Grants"]
    assert not [
        grant
        for grant in grants
        if any(public in grant["Grantee"].get("URI", "") for public in PUBLIC_GRANTEES)
    ]
    with pytest.raises(NotImplementedError):
        attachment.file.url  # noqa: B018 (no link into the bucket is ever made)

    for download in fetch_everywhere(attachment).values():
        assert_inert_download(download, REPORT, CONTENT)


def test_a_portal_upload_goes_to_the_bucket_and_comes_back_as_an_image(s3, client):
    client.force_login(CustomerFactory())
    picture = SimpleUploadedFile("снимок.png", PNG, content_type="text/html")
    response = client.post(reverse("portal:new"), {**FORM, "files": [picture]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert s3.read(f"{PREFIX}/{attachment.file.name}") == PNG
    for download in fetch_everywhere(attachment).values():
        assert_inert_download(download, "снимок.png", PNG, "image/png")


def test_a_file_uploaded_on_one_node_is_downloaded_on_another(s3, settings, tmp_path):
    """Two nodes share the database and the bucket, never a disk."""
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    settings.MEDIA_ROOT = node_a
    incident = make_incident()
    assert _upload_through_api(incident, REPORT, CONTENT).status_code == 201
    attachment = Attachment.objects.get()

    settings.MEDIA_ROOT = node_b
    use_bucket(settings, s3)  # a new storage instance, as a second process would build
    download = Api(incident.reporter).get(
        f"/incidents/{incident.number}/attachments/{attachment.pk}"
    )
    assert_inert_download(download, REPORT, CONTENT)
    assert _files_on_disk(node_a) == _files_on_disk(node_b) == []


@pytest.mark.slow
def test_another_process_configured_by_the_environment_reads_the_file(s3, tmp_path):
    """settings.py builds the same storage from `INCIDESK_S3_*` in a process of its own."""
    incident = make_incident()
    assert _upload_through_api(incident, REPORT, CONTENT).status_code == 201
    attachment = Attachment.objects.get()
    node_c = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup();"
            "from django.core.files.storage import default_storage as storage;"
            "sys.stdout.buffer.write(storage.open(sys.argv[1]).read())",
            attachment.file.name,
        ],
        env={
            **os.environ,
            **s3.env,
            "DJANGO_SETTINGS_MODULE": "incidesk.settings",
            "INCIDESK_DATA_DIR": str(tmp_path / "node-c"),
        },
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert node_c.stdout == CONTENT
    assert _files_on_disk(tmp_path / "node-c" / "media") == []


def test_a_confirmed_reports_files_move_from_pending_to_the_incident(
    s3, client, run_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    scan = SimpleUploadedFile("скан.png", PNG, content_type="image/png")
    assert client.post(reverse("portal:new"), {**ANONYMOUS, "files": [scan]}).status_code == 200
    pending = PendingFile.objects.get()
    assert s3.keys() == [f"{PREFIX}/{pending.file.name}"]
    assert pending.file.name.startswith("pending/")
    run_tasks()
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert not PendingReport.objects.exists()
    assert s3.keys() == [f"{PREFIX}/{attachment.file.name}"]
    assert s3.read(f"{PREFIX}/{attachment.file.name}") == PNG
    tracked = client.get(client.get(response.url).context["tracking_url"])
    found = re.search(rf'href="([^"]*/files/{attachment.pk}/?)"', tracked.content.decode())
    assert_inert_download(client.get(found.group(1)), "скан.png", PNG, "image/png")


@pytest.fixture
def doomed(settings) -> Iterator[Bucket]:
    """A bucket on a server of this test's own, which the test may stop."""
    bucket = Bucket(S3Server()).create()
    use_bucket(settings, bucket)
    yield bucket
    bucket.server.stop()


def test_with_the_bucket_down_an_upload_is_refused_and_nothing_is_kept(doomed, client, settings):
    incident = make_incident()
    doomed.server.stop()
    with nothing_written():
        response = _upload_through_api(incident, REPORT, CONTENT)
    body = assert_problem(response, 503, "storage_unavailable")
    assert body["detail"] == (
        "The file storage is unavailable right now. Please try again in a minute."
    )

    # The portal registers the incident and its files in one transaction: neither is kept.
    client.force_login(incident.reporter)
    with nothing_written():
        page = client.post(
            reverse("portal:new"),
            {**FORM, "files": [SimpleUploadedFile("a.bin", b"data")]},
            headers={"accept-language": "ru"},
        )
    assert page.status_code == 422
    assert page.context["form"].errors["files"] == [
        "Хранилище файлов сейчас недоступно. Попробуйте ещё раз через минуту."
    ]
    client.logout()
    page = client.post(
        reverse("portal:new"), {**ANONYMOUS, "files": [SimpleUploadedFile("a.bin", b"data")]}
    )
    assert page.status_code == 422
    assert not PendingReport.objects.exists()
    assert _files_on_disk(Path(settings.MEDIA_ROOT)) == []


def test_with_the_bucket_down_a_confirmation_keeps_the_report(
    doomed, client, run_tasks, mailoutbox
):
    scan = SimpleUploadedFile("скан.png", PNG, content_type="image/png")
    client.post(reverse("portal:new"), {**ANONYMOUS, "files": [scan]})
    run_tasks()
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
    doomed.server.stop()
    with nothing_written():
        page = client.post(link)
    assert page.status_code == 422
    assert "Хранилище файлов сейчас недоступно" in page.content.decode()
    assert PendingFile.objects.count() == 1


def test_with_the_bucket_down_a_download_is_a_503(doomed):
    incident = make_incident()
    uploaded = _upload_through_api(incident, REPORT, b"kept").json()
    doomed.server.stop()
    response = Api(incident.reporter).get(
        f"/incidents/{incident.number}/attachments/{uploaded['id']}"
    )
    assert_problem(response, 503, "storage_unavailable")
    page = Client(raise_request_exception=False)
    page.force_login(incident.reporter)
    portal = page.get(reverse("portal:file", args=[incident.number, uploaded["id"]]))
    assert (portal.status_code, portal["Retry-After"]) == (503, "30")


def test_without_a_bucket_files_stay_in_the_media_folder_and_half_a_key_is_refused():
    assert file_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    with pytest.raises(ImproperlyConfigured, match="INCIDESK_S3_SECRET_ACCESS_KEY"):
        file_storage({"INCIDESK_S3_BUCKET": "desk", "INCIDESK_S3_ACCESS_KEY_ID": "key"})
