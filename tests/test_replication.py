"""The database never lost (anbiao/replication.py): Litestream's configuration from the ANBIAO_S3_* settings, the
restore into an empty folder and its check, `make serve` under Litestream, and the durability test — submissions
under gunicorn and Litestream as `make serve` runs them, both killed with SIGKILL mid-way, the newest copy restored
from a real S3 server (SeaweedFS): whole, and holding every submission acknowledged before the last moment the
replica was known to hold."""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from urllib3 import encode_multipart_formdata

from anbiao import db, replication, storage, throttle
from app import create_app

from .conftest import PASSWORD
from .loop_helpers import card, photo
from .object_store import client

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv/bin"


def variables(s3: dict) -> dict:
    """The ANBIAO_S3_* settings of a test bucket, as a server's environment gives them."""
    return {"ANBIAO_S3_ENDPOINT": s3["endpoint"], "ANBIAO_S3_BUCKET": s3["bucket"], "ANBIAO_S3_REGION": s3["region"],
            "ANBIAO_S3_ACCESS_KEY": s3["access_key"], "ANBIAO_S3_SECRET_KEY": s3["secret_key"]}


@pytest.fixture
def flask_cli(tmp_path):
    """flask_cli(database, s3, *args) → the result of `flask --app app <args>` on that database and object store."""

    def run(database, s3, *args):
        app = create_app({"DATABASE": str(database), "SECRET_KEY": "test-secret", "TESTING": True, "S3": s3,
                          "PHOTO_DIR": str(tmp_path / "photos")})
        app.instance_path = str(tmp_path / "instance")  # not the checkout's own instance/
        throttle.reset()
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            db.close()

    return run


def replicate_once(database, s3, folder) -> None:
    """One pass of Litestream over the database (`replicate -once`): the bucket then holds its copy."""
    settings = replication.write_config(folder / "litestream.yml", database, s3)
    subprocess.run([replication.litestream(), "replicate", "-once", "-config", str(settings)],
                   env=replication.environment(s3), check=True, capture_output=True, timeout=60)


# The configuration.

SETTINGS = {"bucket": "anbiao-county", "endpoint": "http://store.example:8333", "region": "cn-east-1",
            "access_key": "AKEXAMPLE", "secret_key": "very-secret/key+1"}


def test_the_configuration_replicates_the_database_to_the_bucket_with_keys_left_in_the_environment(tmp_path):
    text = replication.config(tmp_path / "anbiao.db", SETTINGS)
    assert f'path: "{tmp_path / "anbiao.db"}"' in text
    for line in ('type: "s3"', 'bucket: "anbiao-county"', 'path: "database"', 'endpoint: "http://store.example:8333"',
                 "force-path-style: true", 'region: "cn-east-1"', 'sync-interval: "1s"',
                 'access-key-id: "${ANBIAO_S3_ACCESS_KEY}"', 'secret-access-key: "${ANBIAO_S3_SECRET_KEY}"'):
        assert line in text
    assert "AKEXAMPLE" not in text and "very-secret" not in text
    assert "socket" not in text  # `litestream sync` through it, while the server writes, corrupts the copy


def test_a_store_that_wants_buckets_as_subdomains_is_addressed_so_by_photos_and_the_copy_alike(tmp_path):
    settings = storage.s3_settings({"ANBIAO_S3_BUCKET": "anbiao-county", "ANBIAO_S3_ENDPOINT": "https://oss.example",
                                    "ANBIAO_S3_ADDRESSING": "virtual"})
    assert "force-path-style: false" in replication.config(tmp_path / "anbiao.db", settings)
    assert storage.Bucket(settings).client.meta.config.s3["addressing_style"] == "virtual"
    default = storage.s3_settings({"ANBIAO_S3_BUCKET": "anbiao-county", "ANBIAO_S3_ENDPOINT": "http://10.0.0.2:8333"})
    assert "force-path-style: true" in replication.config(tmp_path / "anbiao.db", default)
    assert storage.Bucket(default).client.meta.config.s3["addressing_style"] == "path"


def test_litestream_reads_the_written_configuration(tmp_path):
    path = replication.write_config(tmp_path / "litestream.yml", tmp_path / "anbiao.db", SETTINGS)
    listed = subprocess.run([replication.litestream(), "databases", "-config", str(path)], capture_output=True,
                            text=True, env=replication.environment(SETTINGS), check=True).stdout
    assert str(tmp_path / "anbiao.db") in listed and "s3" in listed


def test_the_replica_folder_can_be_named_and_a_store_without_endpoint_or_keys_is_a_cloud_default(monkeypatch, tmp_path):
    monkeypatch.setenv("ANBIAO_LITESTREAM_PATH", "/backups/county/")
    text = replication.config(tmp_path / "anbiao.db", {"bucket": "anbiao-county"})
    assert 'path: "backups/county"' in text
    for option in ("endpoint:", "force-path-style:", "access-key-id:", "secret-access-key:"):
        assert option not in text


def test_the_command_writes_the_configuration_beside_the_instance_and_says_where_the_copy_goes(flask_cli, tmp_path):
    result = flask_cli(tmp_path / "anbiao.db", SETTINGS, "replication-config")
    assert result.exit_code == 0, result.output
    written = Path(re.search(r"已写出 (\S+litestream\.yml)", result.output).group(1))
    assert written == tmp_path / "instance" / "litestream.yml" and "桶 anbiao-county 的 database/ 目录" in result.output
    assert str(tmp_path / "anbiao.db") in written.read_text()


def test_without_the_object_store_the_commands_say_so_in_chinese_and_change_nothing(flask_cli, tmp_path):
    target = tmp_path / "restored"
    for args in (["replication-config"], ["restore", "--to", str(target)]):
        result = flask_cli(tmp_path / "anbiao.db", None, *args)
        assert result.exit_code == 1
        assert "没有配置对象存储" in result.output and "ANBIAO_S3_BUCKET" in result.output
    assert not target.exists()
    with pytest.raises(replication.ReplicationError, match="没有配置对象存储"):
        replication.restore(target, tmp_path / "anbiao.db", {"bucket": ""})


def test_restore_refuses_a_folder_that_holds_anything(tmp_path):
    target = tmp_path / "restored"
    target.mkdir()
    (target / "notes.txt").write_text("留着")
    with pytest.raises(replication.ReplicationError, match="不是空目录"):
        replication.restore(target, tmp_path / "anbiao.db", SETTINGS)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_a_new_database_is_not_restored_over_what_an_old_one_left_beside_it(flask_cli, tmp_path):
    database = tmp_path / "anbiao.db"
    Path(f"{database}-wal").write_bytes(b"an old write-ahead log")
    result = flask_cli(database, SETTINGS, "restore", "--if-missing")
    assert result.exit_code == 1 and "anbiao.db-wal" in result.output and "先把它们移走" in result.output
    assert not database.exists()


def test_the_restore_command_needs_a_target(flask_cli, tmp_path):
    result = flask_cli(tmp_path / "anbiao.db", SETTINGS, "restore")
    assert result.exit_code == 2 and "--to" in result.output


def test_make_serve_runs_gunicorn_under_litestream_only_when_a_bucket_is_set():
    def planned(**env):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("ANBIAO_S3_")} | env
        return subprocess.run(["make", "-n", "serve", "PORT=5123"], cwd=ROOT, env=environ, capture_output=True,
                              text=True, check=True).stdout

    plain = planned()
    assert "litestream" not in plain and "restore" not in plain
    assert "ANBIAO_REFRESHER=1 .venv/bin/gunicorn --bind 127.0.0.1:5123 app:app" in plain
    lines = planned(ANBIAO_S3_BUCKET="anbiao-county").splitlines()
    steps = [line for line in lines if "flask --app app" in line or "litestream" in line]
    assert steps == [
        ".venv/bin/flask --app app restore --if-missing",
        ".venv/bin/flask --app app setup",
        ".venv/bin/flask --app app replication-config",
        "env -u AWS_CA_BUNDLE ANBIAO_REFRESHER=1 .venv/bin/litestream replicate -config instance/litestream.yml"
        ' -exec ".venv/bin/gunicorn --bind 127.0.0.1:5123 app:app"']


# Against a real S3 server.

def test_an_empty_bucket_has_no_copy_to_restore_and_a_first_start_goes_on_without_one(bucket, flask_cli, tmp_path):
    result = flask_cli(tmp_path / "anbiao.db", bucket, "restore", "--to", str(tmp_path / "restored"))
    assert result.exit_code == 1 and "还没有这个数据库的副本" in result.output
    new = tmp_path / "new" / "anbiao.db"
    result = flask_cli(new, bucket, "restore", "--if-missing")
    assert result.exit_code == 0 and result.output == ""


def test_the_newest_copy_is_restored_checked_and_counted(bucket, db_path, flask_cli, tmp_path):
    replicate_once(db_path, bucket, tmp_path / "litestream")
    with sqlite3.connect(db_path) as conn:
        expected = {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    for table in replication.TABLES}
    target = tmp_path / "restored"
    result = flask_cli(db_path, bucket, "restore", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert f"已恢复到 {target / 'anbiao.db'}，完整性检查：ok" in result.output
    assert "，".join(f"{replication.TABLES[t]} {n:,}" for t, n in expected.items()) in result.output
    assert "启用它：停止服务" in result.output
    assert replication.check(target / "anbiao.db")["counts"] == expected

    again = flask_cli(db_path, bucket, "restore", "--to", str(target))
    assert again.exit_code == 1 and "不是空目录" in again.output

    new = tmp_path / "new-machine" / "anbiao.db"
    result = flask_cli(new, bucket, "restore", "--if-missing")
    assert result.exit_code == 0 and f"已恢复到 {new}" in result.output
    assert replication.check(new)["counts"] == expected
    assert not [p for p in new.parent.iterdir() if p.name.startswith(".restore-")]  # no temporary folder left
    unchanged = new.stat().st_mtime_ns
    assert flask_cli(new, bucket, "restore", "--if-missing").output == ""
    assert new.stat().st_mtime_ns == unchanged

    # The new machine carries on: its changes go to the same folder, and the next restore holds old and new.
    with sqlite3.connect(new) as conn:
        conn.execute("UPDATE enterprises SET name = name || '（新机器）' WHERE id = (SELECT MIN(id) FROM enterprises)")
    replicate_once(new, bucket, tmp_path / "litestream-new")
    later = replication.restore(tmp_path / "later", new, bucket)
    assert later["counts"] == expected
    with sqlite3.connect(later["path"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM enterprises WHERE name LIKE '%（新机器）'").fetchone()[0] == 1



def test_a_store_that_wants_the_bucket_as_a_subdomain_keeps_the_databases_copy(bucket, db_path, monkeypatch, tmp_path):
    # As for the photos (test_photo_store): bucket.localhost is reached through the S3 server as the proxy, which
    # routes by the Host header. Nothing listens on the endpoint's own port, and Litestream never sends plain
    # localhost through a proxy: a request with the bucket in its path would find no server.
    subdomain = {**bucket, "endpoint": "http://localhost:9", "addressing": "virtual"}
    monkeypatch.setenv("HTTP_PROXY", bucket["endpoint"])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    replicate_once(db_path, subdomain, tmp_path / "litestream")
    monkeypatch.delenv("HTTP_PROXY")
    with sqlite3.connect(db_path) as conn:
        expected = conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0]
    restored = replication.restore(tmp_path / "restored", db_path, bucket)  # read back by the name in the path
    assert restored["integrity"] == "ok" and restored["counts"]["enterprises"] == expected

# The durability test.

class Leader:
    """leader1 on a phone's outbox, over real HTTP: 充装班's card sent again and again, one after another, each with
    its own idempotency key and one failed item (a hazard with a photo), every answer timed."""

    def __init__(self, base: str, checklist_id: int, items: list):
        self.base, self.checklist_id, self.items = base, checklist_id, items
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        token = self._token("/login")
        self._send("/login", {"username": "leader1", "password": PASSWORD, "csrf_token": token,
                              "idempotency_key": uuid.uuid4().hex})
        self.csrf = self._token(f"/checklists/{checklist_id}/fill")
        self.keys: list[str] = []  # every submission sent, in order
        self.acked: list[tuple[str, float, int]] = []  # (key, when its 2xx arrived, the inspection it names)
        self.refused: list[str] = []  # answers other than "saved" while the server was up
        self.stop = threading.Event()

    def _token(self, path: str) -> str:
        page = self.http.open(self.base + path, timeout=10).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _send(self, path: str, fields: dict, headers=None):
        body, content_type = encode_multipart_formdata(fields)
        request = urllib.request.Request(self.base + path, data=body, method="POST",
                                         headers={"Content-Type": content_type, **(headers or {})})
        return self.http.open(request, timeout=10)

    def submit(self, key: str):
        first = self.items[0]["id"]
        fields = {f"result_{item['id']}": "ok" for item in self.items[1:]}
        fields |= {f"result_{first}": "hazard", f"description_{first}": f"持久性测试 {key}",
                   f"category_{first}": "thing", f"level_{first}": "general",
                   f"photos_{first}": ("photo.jpg", photo(), "image/jpeg"), "csrf_token": self.csrf,
                   "idempotency_key": key}
        return self._send(f"/checklists/{self.checklist_id}/inspections", fields, {"X-Anbiao-Outbox": "1"})

    def run(self):
        while not self.stop.is_set():
            key = f"durable-{len(self.keys):05d}-{uuid.uuid4().hex[:12]}"
            self.keys.append(key)
            try:
                answer = self.submit(key)
                saved = json.loads(answer.read())
            except urllib.error.HTTPError as exc:
                self.refused.append(f"{exc.code} {exc.read()[:300]!r}")
                return
            except OSError:
                return  # the server is gone
            acked_at = time.monotonic()
            if answer.status != 200 or not saved.get("saved"):
                self.refused.append(f"{answer.status} {saved}")
                return
            self.acked.append((key, acked_at, int(re.search(r"/inspections/(\d+)", saved["location"]).group(1))))


def submitted(path, user_id) -> dict:
    """The durability run's submissions a database holds: key → (status, location) of its idempotency record."""
    with sqlite3.connect(path) as conn:
        return {key: (status, location) for key, status, location in conn.execute(
            "SELECT key, status, location FROM idempotency WHERE user_id = ? AND key LIKE 'durable-%'", (user_id,))}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_kill_9_mid_way_loses_no_submission_acknowledged_before_the_last_replicated_moment(bucket, db_path, tmp_path):
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        checklist_id, items = card(conn)
        before = conn.execute("SELECT MAX(id) FROM inspections").fetchone()[0]
        leader1 = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    # As `make serve` starts it: gunicorn (gunicorn.conf.py) under `litestream replicate -exec`, its configuration
    # written by replication-config, the environment of a server whose photos and database go to the bucket.
    settings = replication.write_config(db_path.parent / "litestream.yml", db_path, bucket)
    port = free_port()
    env = replication.environment(bucket) | variables(bucket) | {
        "ANBIAO_DB": str(db_path), "ANBIAO_SECRET_KEY": "durable", "ANBIAO_SECURE_COOKIES": "0",
        "ANBIAO_LOGIN_LIMIT": "1000 per minute", "ANBIAO_REFRESHER": "1"}
    env.pop("ANBIAO_RATELIMIT_STORAGE", None)
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [replication.litestream(), "replicate", "-config", str(settings),
         "-exec", f"{BIN / 'gunicorn'} --bind 127.0.0.1:{port} app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        leader = Leader(base, checklist_id, items)
        sender = threading.Thread(target=leader.run, daemon=True)
        sender.start()
        time.sleep(1)
        # The last replicated moment, observed from outside rather than guessed: a moment counts once a copy
        # restored from the bucket holds every submission acknowledged before it. Observed a few times while the
        # cards keep coming (each copy checked whole as it is restored); the kill falls after the last one.
        replicated, held = None, 0
        for look in range(3):
            moment = time.monotonic()
            wanted = {key for key, acked_at, _ in leader.acked if acked_at < moment}
            for attempt in range(30):  # Litestream sends every second; the copy catches up within a few
                copy = replication.restore(tmp_path / f"look-{look}-{attempt}", db_path, bucket)
                seen = submitted(copy["path"], leader1)
                if wanted <= set(seen):
                    replicated, held = moment, len(seen)
                    break
                time.sleep(0.5)
            else:
                raise AssertionError(f"the copy in the bucket did not catch up with {len(wanted)} submissions")
            time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # Litestream, gunicorn's master and its workers: a machine gone
        server.wait(timeout=10)
        log.close()
    leader.stop.set()
    sender.join(timeout=15)
    assert leader.refused == []
    acked_before = [entry for entry in leader.acked if entry[1] < replicated]
    assert len(acked_before) >= 10, (leader.acked, (tmp_path / "serve.log").read_text()[-3000:])
    assert len(leader.acked) > len(acked_before), "the kill came after the traffic stopped, not mid-way"

    found = replication.restore(tmp_path / "restored", db_path, bucket)
    assert found["integrity"] == "ok"
    restored = sqlite3.connect(found["path"])
    keys = submitted(found["path"], leader1)
    # Every submission acknowledged before the last replicated moment is there, naming the same inspection.
    for key, _, inspection in acked_before:
        assert key in keys, f"{key} was acknowledged before the copy and is lost"
        assert f"/inspections/{inspection}" in keys[key][1]
    # What the copy holds is the first k submissions in the order they were sent: a moment of the database, with
    # no gap (at most the one in flight at the kill, saved but never answered, beyond what was acknowledged), and
    # no fewer than a copy restored before the kill already held.
    count = len(keys)
    assert held <= count <= len(leader.keys) and set(keys) == set(leader.keys[:count])
    # None half-written: each submission whole — its key settled with the answer a retry gets, its inspection with
    # every item, the hazard, the hazard's photo — and nothing else saved in the run.
    assert all(status is not None and location for status, location in keys.values())
    new = restored.execute("SELECT id FROM inspections WHERE id > ?", (before,)).fetchall()
    assert len(new) == count
    for (inspection,) in new:
        assert restored.execute("SELECT COUNT(*) FROM inspection_results WHERE inspection_id = ?",
                                (inspection,)).fetchone()[0] == len(items)
        hazards = restored.execute("SELECT id FROM hazards WHERE inspection_id = ?", (inspection,)).fetchall()
        assert len(hazards) == 1
        assert restored.execute("SELECT COUNT(*) FROM hazard_photos p JOIN photos f ON f.id = p.photo_id"
                                " WHERE p.hazard_id = ?", hazards[0]).fetchone()[0] == 1
    assert {int(re.search(r"/inspections/(\d+)", location).group(1)) for _, location in keys.values()} == {
        inspection for (inspection,) in new}
    restored.close()
    # The copy and the photos share the bucket without sharing a folder: deleting one never touches the other.
    stored = [o["Key"] for page in client(bucket).get_paginator("list_objects_v2").paginate(Bucket=bucket["bucket"])
              for o in page.get("Contents", [])]
    replica = [k for k in stored if k.startswith(replication.replica_path() + "/")]
    assert replica and all(k.endswith(".ltx") for k in replica)
    assert all(re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]+\.\w+", k) for k in set(stored) - set(replica))
