"""Personal data on disk is the service's alone: the SQLite register, recorded tips and reply photos are
created 0600 in 0700 directories through the code that makes them, even under the usual umask 022."""
import io
import os
import stat

import pytest
from PIL import Image
from sqlalchemy import text

from core.db import Database
from core.inquiries import store_photo
from core.photos import clean_photo
from ivr.fastagi import recording_dir


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_are_private(tmp_path):
    path = tmp_path / "instance" / "uitkijk.db"
    db = Database(f"sqlite:///{path}")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('+31612345678')"))
    try:
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        assert mode(path.with_name("uitkijk.db-wal")) == 0o600
    finally:
        db.engine.dispose()


def test_an_existing_world_readable_sqlite_file_is_made_private(tmp_path):
    path = tmp_path / "uitkijk.db"
    path.touch(0o644)
    Database(f"sqlite:///{path}").engine.dispose()
    assert mode(path) == 0o600


def test_a_reply_photo_is_private(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, "JPEG")
    clean = clean_photo(buffer.getvalue(), 5_000_000, 1600)
    directory = tmp_path / "mail-photos"
    name = store_photo({"MAIL_PHOTO_DIR": str(directory)}, "reply-1", clean)
    assert mode(directory) == 0o700
    assert mode(directory / name) == 0o600


def test_the_fastagi_service_makes_the_recordings_directory_private(tmp_path):
    """Asterisk on this host records into RECORDINGS_DIR: the call service makes it 0700 before any call."""
    recordings = tmp_path / "spool" / "tips"
    assert recording_dir({"RECORDINGS_DIR": str(recordings), "ASTERISK_RECORDINGS_DIR": ""}) == str(recordings)
    assert mode(recordings) == 0o700
    assert mode(recordings.parent) == 0o700
