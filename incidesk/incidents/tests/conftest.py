"""A real S3-compatible server (moto's) on loopback, and the desk's file storage pointed at it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from incidesk.settings import file_storage

REGION = "eu-central-1"
PREFIX = "incidesk"


class S3Server:
    """moto's S3 server in a thread on a free loopback port; `stop()` takes it away."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer  # 2 s to import: only for the tests using it

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._server.stop()
            self.running = False


@dataclass
class Bucket:
    """A fresh bucket on the server, and the settings of a node that stores files in it."""

    server: S3Server
    name: str = field(default_factory=lambda: f"incidesk-{uuid.uuid4().hex[:12]}")

    @property
    def env(self) -> dict[str, str]:
        return {
            "INCIDESK_S3_BUCKET": self.name,
            "INCIDESK_S3_ENDPOINT_URL": self.server.endpoint,
            "INCIDESK_S3_ACCESS_KEY_ID": "testing",
            "INCIDESK_S3_SECRET_ACCESS_KEY": "testing",
            "INCIDESK_S3_REGION": REGION,
            "INCIDESK_S3_PREFIX": f"/{PREFIX}/",
        }

    @property
    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.server.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def create(self) -> Bucket:
        self.client.create_bucket(
            Bucket=self.name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return self

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
    server = S3Server()
    yield server
    server.stop()


def use_bucket(settings, bucket: Bucket) -> None:
    """Configure this node's file storage from the bucket's environment, as settings.py does."""
    settings.STORAGES = {**settings.STORAGES, "default": file_storage(bucket.env)}


@pytest.fixture
def s3(s3_server, settings) -> Bucket:
    """The desk's files go to a new, empty bucket for this test."""
    bucket = Bucket(s3_server).create()
    use_bucket(settings, bucket)
    return bucket
