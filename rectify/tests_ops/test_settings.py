"""The settings that turn on the multi-server pieces: off unless their environment variable is set."""
from __future__ import annotations

import os
import subprocess
import sys

from rectify.settings import _pooled, _replica

PG = {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60}


def test_pgbouncer_turns_off_server_side_cursors_and_persistent_connections() -> None:
    pooled = _pooled(dict(PG), {"RECTIFY_PGBOUNCER": "1"})
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True and pooled["CONN_MAX_AGE"] == 0
    assert "DISABLE_SERVER_SIDE_CURSORS" not in _pooled(dict(PG), {})
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    assert _pooled(dict(sqlite), {"RECTIFY_PGBOUNCER": "1"}) == sqlite
    assert _replica({}) is None


def test_parallel_workers_are_off_unless_set() -> None:
    """RECTIFY_PG_PARALLEL_WORKERS: 0 unless set, empty leaves the server's setting; not through PgBouncer, which
    does not pass a connection's options on (the role's setting, docs/operations.md); nothing on SQLite."""
    assert _pooled(dict(PG), {})["OPTIONS"] == {"options": "-c max_parallel_workers_per_gather=0"}
    assert _pooled(dict(PG), {"RECTIFY_PG_PARALLEL_WORKERS": "2"})["OPTIONS"]["options"].endswith("=2")
    assert "OPTIONS" not in _pooled(dict(PG), {"RECTIFY_PG_PARALLEL_WORKERS": ""})
    assert "OPTIONS" not in _pooled(dict(PG), {"RECTIFY_PGBOUNCER": "1"})
    assert "options" not in _pooled({"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {}}, {})["OPTIONS"]


def test_environment_switches_the_pieces_on_in_a_fresh_process(tmp_path: object) -> None:
    """settings.py read by a new interpreter with the variables set, as a server would start."""
    env = {**os.environ, "RECTIFY_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://app@10.0.0.1:6432/rectify",
           "RECTIFY_PGBOUNCER": "1", "RECTIFY_REPLICA_DATABASE_URL": "postgres://reader@10.0.0.2:5432/rectify",
           "RECTIFY_S3_BUCKET": "evidence", "RECTIFY_REDIS_URL": "redis://10.0.0.5:6379/0"}
    code = ("from rectify import settings as s; d = s.DATABASES; "
            "print(sorted(d), d['default']['DISABLE_SERVER_SIDE_CURSORS'], d['replica']['HOST'], "
            "s.STORAGES['default']['BACKEND'], s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.DATABASE_ROUTERS)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603 - this interpreter, test-chosen code
    assert out.split() == ["['default',", "'replica']", "True", "10.0.0.2", "storages.backends.s3.S3Storage",
                           "django.core.cache.backends.redis.RedisCache", "django.contrib.sessions.backends.cached_db",
                           "['rectify.core.db_router.ReplicaRouter']"]
    plain = {k: v for k, v in env.items() if not k.startswith(("RECTIFY_S3", "RECTIFY_REDIS", "RECTIFY_REPLICA", "RECTIFY_PGB", "DATABASE_URL"))}
    plain_code = code.replace("d['default']['DISABLE_SERVER_SIDE_CURSORS'], d['replica']['HOST'], ", "")
    out = subprocess.run([sys.executable, "-c", plain_code], env=plain, capture_output=True, text=True, check=True).stdout  # noqa: S603 - as above
    assert out.split() == ["['default']", "django.core.files.storage.FileSystemStorage", "django.core.cache.backends.locmem.LocMemCache",
                           "django.contrib.sessions.backends.db", "['rectify.core.db_router.ReplicaRouter']"]
