"""Spoken tips left on Twilio: the worker fetches the recording into RECORDINGS_DIR for the operators.

Twilio's recordings API is a real HTTP server on loopback (TWILIO_API_BASE_URL points at it) that
checks basic auth and serves a real WAV, or the errors Twilio gives.
"""
import base64
import io
import math
import os
import re
import stat
import struct
import threading
import wave
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from core import runtime
from core.models import Action, AuditEvent, Tip, utcnow
from tests.conftest import app_for
from tests.integration.web_helpers import make_user, sign_in
from twilio_gateway.signatures import SIGNATURE_HEADER, sign
from voice import twilio_recordings
from voice.twilio_recordings import RecordingNotReady, enqueue_fetch, fetch_tip_recording, requeue_pending_recordings

from twilio_flows import PUBLIC_BASE_URL, add_trunk, launch

ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "recordings-test-token"
RECORDING_SID = "RE" + "7c" * 16
INBOUND = "/webhooks/twilio/voice/inbound"
CALL_SID = "CA" + "56" * 16
CALLER = "+31301234567"


def _wav(seconds=1.0):
    """A real telephony WAV: a 440 Hz tone, 8 kHz mono 16-bit."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                      for n in range(int(8000 * seconds)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(frames)
    return buffer.getvalue()


WAV = _wav()


class RecordingServer:
    """Twilio's recording media on loopback: GET <recording>.wav with basic auth.

    `answers[path]` is a list of (status, body); each request takes the first, the last stays.
    `tokens` holds the auth token of each account it knows.
    """

    def __init__(self):
        self.answers = {}
        self.tokens = {ACCOUNT_SID: AUTH_TOKEN}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                account = self.path.split("/")[3] if self.path.count("/") > 3 else ""
                credentials = f"{account}:{server.tokens.get(account)}".encode()
                expected = "Basic " + base64.b64encode(credentials).decode()
                server.requests.append(self.path)
                if self.headers.get("Authorization") != expected:
                    status, body = 401, b'{"code": 20003, "message": "Authenticate"}'
                else:
                    queue = server.answers.get(self.path) or [(404, b'{"code": 20404}')]
                    status, body = queue.pop(0) if len(queue) > 1 else queue[0]
                self.send_response(status)
                self.send_header("Content-Type", "audio/x-wav" if status == 200 else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def recording_url(self, recording_sid=RECORDING_SID, account_sid=ACCOUNT_SID):
        """The RecordingUrl Twilio posts to the Record action (without an extension)."""
        return f"{self.base_url}/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}"

    def serve(self, *answers, recording_sid=RECORDING_SID, account_sid=ACCOUNT_SID):
        self.answers[urlsplit(self.recording_url(recording_sid, account_sid)).path + ".wav"] = list(answers)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def twilio_api():
    server = RecordingServer()
    yield server
    server.close()


@pytest.fixture
def recordings_dir(tmp_path):
    return tmp_path / "recordings"


@pytest.fixture
def recording_config(config, twilio_api, recordings_dir):
    return {**config, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": twilio_api.base_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "RECORDINGS_DIR": str(recordings_dir), "SECURE_COOKIES": False}


@pytest.fixture
def app(recording_config):
    yield from app_for(recording_config)


@pytest.fixture
def rt(app):
    return runtime.get()


@pytest.fixture
def action_id(rt):
    return launch(rt)["action"]


def _tip(rt, action_id, recording):
    with rt.db.session() as session:
        tip = Tip(action_id=action_id, source="voice", from_e164=CALLER, recording=recording, duration_s=9.0)
        session.add(tip)
        session.flush()
        return tip.id


def _recording(rt, tip_id):
    with rt.db.session() as session:
        return session.get(Tip, tip_id).recording


def _run_scheduled_retries(rt):
    """Move the jobs RQ scheduled for a retry into their queue now, instead of waiting."""
    registry = ScheduledJobRegistry(queue=rt.queues.normal)
    job_ids = registry.get_job_ids()
    for job_id in job_ids:
        registry.remove(job_id)
        rt.queues.normal.enqueue_job(Job.fetch(job_id, connection=rt.redis))
    return job_ids


# The whole path: webhook, job, follow page -------------------------------------------------

@pytest.fixture
def webhook(app):
    client = app.test_client()

    def post(path, form):
        form = {"AccountSid": ACCOUNT_SID, **form}
        headers = {SIGNATURE_HEADER: sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, form)}
        return client.post(path, data=form, headers=headers)
    return post


def _action_url(twiml, verb):
    parts = urlsplit(re.search(rf'<{verb}[^>]*action="([^"]+)"', twiml).group(1).replace("&amp;", "&"))
    return f"{parts.path}?{parts.query}"


def _leave_tip(webhook, code, recording_url):
    """A free-number call on Twilio: the code, nobody answers, the caller leaves a tip."""
    twiml = webhook(INBOUND, {"CallSid": CALL_SID, "From": CALLER, "To": "+31800001100"}).text
    twiml = webhook(_action_url(twiml, "Gather"), {"CallSid": CALL_SID, "Digits": code}).text
    for _ in range(3):  # the operator, the other operator, the control room
        twiml = webhook(_action_url(twiml, "Dial"), {"CallSid": CALL_SID, "DialCallStatus": "no-answer"}).text
    recorded = {"CallSid": CALL_SID, "RecordingUrl": recording_url, "RecordingSid": RECORDING_SID,
                "RecordingDuration": "9"}
    return webhook(_action_url(twiml, "Record"), recorded).text


def test_tip_left_on_twilio_is_fetched_and_played_to_the_operator(app, rt, webhook, twilio_api, recordings_dir,
                                                                  work):
    """Nobody answers, the caller records a tip; the worker fetches it and the follow page plays it."""
    ids = launch(rt)
    twilio_api.serve((200, WAV))
    assert "<Hangup" in _leave_tip(webhook, ids["code"], twilio_api.recording_url())
    operator = app.test_client()
    sign_in(operator, make_user(app, "operator", operator_id=ids["operators"][0]))
    [pending] = operator.get(f"/actions/{ids['action']}/status").get_json()["tips"]
    assert (pending["has_recording"], pending["recording_pending"]) == (False, True)
    assert "recording_url" not in pending
    assert operator.get(f"/actions/{ids['action']}/tips/{pending['id']}/recording").status_code == 404

    work()

    name = f"tip-twilio-{RECORDING_SID}.wav"
    assert _recording(rt, pending["id"]) == name
    assert (recordings_dir / name).read_bytes() == WAV
    assert [p for p in recordings_dir.iterdir()] == [recordings_dir / name]  # no temporary file left
    [tip] = operator.get(f"/actions/{ids['action']}/status").get_json()["tips"]
    assert (tip["has_recording"], tip["recording_pending"]) == (True, False)
    played = operator.get(tip["recording_url"])
    assert (played.status_code, played.mimetype, played.data) == (200, "audio/wav", WAV)


def test_recording_not_ready_is_fetched_on_retry(rt, action_id, twilio_api, recordings_dir, work):
    """Twilio's 404 right after the call is transient: RQ retries, backing off, and the next try succeeds."""
    twilio_api.serve((404, b'{"code": 20404}'), (200, WAV))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    job = enqueue_fetch(rt, tip_id)
    work()
    assert _recording(rt, tip_id) == twilio_api.recording_url()
    job.refresh()
    assert (job.get_status(), job.retries_left) == ("scheduled", 4)
    scheduled_in = ScheduledJobRegistry(queue=rt.queues.normal).get_scheduled_time(job) - datetime.now(timezone.utc)
    assert timedelta(seconds=0) < scheduled_in <= timedelta(seconds=5)
    assert _run_scheduled_retries(rt) == [job.id]
    work()
    assert _recording(rt, tip_id) == f"tip-twilio-{RECORDING_SID}.wav"
    assert (recordings_dir / _recording(rt, tip_id)).read_bytes() == WAV
    assert len(twilio_api.requests) == 2


@pytest.mark.parametrize("answer", [(503, b"busy"), (429, b'{"code": 20429}')])
def test_twilio_overloaded_is_transient(rt, action_id, twilio_api, answer):
    """5xx and 429 raise, so RQ tries again; the tip keeps its URL meanwhile."""
    twilio_api.serve(answer)
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    with pytest.raises(RecordingNotReady, match=str(answer[0])):
        fetch_tip_recording(tip_id)
    assert _recording(rt, tip_id) == twilio_api.recording_url()


def test_unreachable_api_is_transient(rt, action_id, twilio_api):
    """A refused connection is transient too."""
    url = twilio_api.recording_url()
    twilio_api.close()
    tip_id = _tip(rt, action_id, url)
    with pytest.raises(RecordingNotReady, match="ConnectionError"):
        fetch_tip_recording(tip_id)
    assert _recording(rt, tip_id) == url


# What is refused and left alone ------------------------------------------------------------

def _bad_urls(base):
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
    host = urlsplit(base).netloc
    return {
        "another host": f"https://evil.example.org{path}",
        "a lookalike host": f"https://api.twilio.com.evil.example.org{path}",
        "http to Twilio": f"http://api.twilio.com{path}",
        "another loopback port": f"http://127.0.0.1:1{path}",
        "another account": f"{base}/2010-04-01/Accounts/AC{'9' * 32}/Recordings/{RECORDING_SID}",
        "not a recording": f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA{'1' * 32}",
        "a path escaping": f"{base}{path}/../../../Calls",
        "a query": f"{base}{path}?Redirect=https://evil.example.org",
        "credentials": f"http://user:pw@{host}{path}",
        "a file scheme": f"file:///etc/passwd{path}",
    }


@pytest.mark.parametrize("kind", list(_bad_urls("http://127.0.0.1:9")))
def test_odd_recording_urls_are_refused_and_left_alone(rt, action_id, twilio_api, recordings_dir, caplog, kind):
    """Only a recording of our account on Twilio's API host is fetched: nothing is requested for the rest."""
    twilio_api.serve((200, WAV))
    url = _bad_urls(twilio_api.base_url)[kind]
    tip_id = _tip(rt, action_id, url)
    assert fetch_tip_recording(tip_id) is None
    assert _recording(rt, tip_id) == url
    assert twilio_api.requests == [] and not recordings_dir.exists()
    assert f"tip {tip_id}: recording URL" in caplog.text and "refused" in caplog.text


def test_plain_https_twilio_url_is_fetched_through_the_configured_api(rt, action_id, twilio_api):
    """Twilio's own RecordingUrl goes, like every Twilio request here, to TWILIO_API_BASE_URL when set."""
    twilio_api.serve((200, WAV))
    tip_id = _tip(rt, action_id, f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}")
    assert fetch_tip_recording(tip_id) == f"tip-twilio-{RECORDING_SID}.wav"
    assert twilio_api.requests == [f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.wav"]


def test_recording_of_a_trunk_account_is_fetched_with_its_token(rt, action_id, twilio_api, recordings_dir):
    """A recording of a Twilio trunk's account (disabled since: the tip was left before) is fetched with its token."""
    trunk_sid, trunk_token = "AC" + "6f" * 16, "trunk-recordings-token"
    add_trunk(rt, "zuid", trunk_sid, trunk_token, "+31201110000", enabled=False)
    twilio_api.tokens[trunk_sid] = trunk_token
    twilio_api.serve((200, WAV), account_sid=trunk_sid)
    tip_id = _tip(rt, action_id, twilio_api.recording_url(account_sid=trunk_sid))
    assert fetch_tip_recording(tip_id) == f"tip-twilio-{RECORDING_SID}.wav"
    assert twilio_api.requests == [f"/2010-04-01/Accounts/{trunk_sid}/Recordings/{RECORDING_SID}.wav"]
    assert (recordings_dir / _recording(rt, tip_id)).read_bytes() == WAV


def test_recording_of_a_trunk_whose_token_is_unavailable_is_refused(rt, action_id, twilio_api, caplog, monkeypatch):
    """The trunk's token names an environment variable that is not set: nothing is requested, the tip is left."""
    monkeypatch.delenv("UITKIJK_TRUNK_TEST_RECORDINGS_TOKEN", raising=False)
    trunk_sid = "AC" + "6f" * 16
    add_trunk(rt, "zuid", trunk_sid, "env:UITKIJK_TRUNK_TEST_RECORDINGS_TOKEN", "+31201110000")
    url = twilio_api.recording_url(account_sid=trunk_sid)
    tip_id = _tip(rt, action_id, url)
    assert fetch_tip_recording(tip_id) is None
    assert _recording(rt, tip_id) == url and twilio_api.requests == []
    assert "UITKIJK_TRUNK_TEST_RECORDINGS_TOKEN is not set" in caplog.text and "no auth token" in caplog.text


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_permanent(rt, action_id, twilio_api, recordings_dir, caplog, work, status):
    """401 and 403 are not retried: the job ends, the tip keeps its URL, and the token is never logged."""
    twilio_api.serve((status, b'{"code": 20003}'))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    job = enqueue_fetch(rt, tip_id)
    work()
    assert job.get_status(refresh=True) == "finished"
    assert _recording(rt, tip_id) == twilio_api.recording_url()
    assert len(twilio_api.requests) == 1 and not recordings_dir.exists()
    assert f"HTTP {status}" in caplog.text and AUTH_TOKEN not in caplog.text and CALLER not in caplog.text


@pytest.mark.parametrize("body", [b"<html>Twilio is down</html>", b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk",
                                  WAV[:44]])
def test_a_body_that_is_not_wav_audio_is_refused(rt, action_id, twilio_api, recordings_dir, caplog, body):
    """A 200 that is not WAV audio is not kept, and the tip keeps its URL."""
    twilio_api.serve((200, body))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    assert fetch_tip_recording(tip_id) is None
    assert _recording(rt, tip_id) == twilio_api.recording_url()
    assert not recordings_dir.exists() and "not kept" in caplog.text


def test_an_oversized_recording_is_refused(rt, action_id, twilio_api, recordings_dir, monkeypatch):
    """The body is read up to the bound and no further."""
    monkeypatch.setattr(twilio_recordings, "MAX_BYTES", len(WAV) - 1)
    twilio_api.serve((200, WAV))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    assert fetch_tip_recording(tip_id) is None
    assert _recording(rt, tip_id) == twilio_api.recording_url() and not recordings_dir.exists()


# Idempotence and the sweeper ---------------------------------------------------------------

def test_running_the_job_twice_is_harmless(rt, action_id, twilio_api, recordings_dir):
    """The second run finds a file name, not a URL, and neither downloads nor writes anything."""
    twilio_api.serve((200, WAV))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    name = fetch_tip_recording(tip_id)
    written = (recordings_dir / name).stat()
    assert fetch_tip_recording(tip_id) == name == _recording(rt, tip_id)
    assert len(twilio_api.requests) == 1 and (recordings_dir / name).stat() == written


def test_a_file_written_before_a_crash_is_not_fetched_again(rt, action_id, twilio_api, recordings_dir):
    """A run that stopped after writing the file: the next one only points the tip at it."""
    recordings_dir.mkdir()
    (recordings_dir / f"tip-twilio-{RECORDING_SID}.wav").write_bytes(WAV)
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    assert fetch_tip_recording(tip_id) == f"tip-twilio-{RECORDING_SID}.wav" == _recording(rt, tip_id)
    assert twilio_api.requests == []


def test_sweeper_requeues_tips_whose_job_was_lost(rt, action_id, twilio_api, recordings_dir, work):
    """Recent tips still holding a URL and unknown to Redis are enqueued again, once; then fetched."""
    twilio_api.serve((200, WAV))
    lost = _tip(rt, action_id, twilio_api.recording_url())
    queued = _tip(rt, action_id, twilio_api.recording_url("RE" + "1" * 32))
    on_disk = _tip(rt, action_id, "tip-1700000000.1-1700000010.wav")
    stale = _tip(rt, action_id, twilio_api.recording_url("RE" + "2" * 32))
    with rt.db.session() as session:
        session.execute(update(Tip).where(Tip.id == stale).values(created_at=utcnow() - timedelta(days=2)))
    enqueue_fetch(rt, lost).delete()  # Redis lost it (restarted without its data)
    assert enqueue_fetch(rt, queued) is not None

    assert requeue_pending_recordings(rt) == 1
    assert requeue_pending_recordings(rt) == 0  # its job is queued now
    assert sorted(rt.queues.normal.job_ids) == sorted(
        f"{rt.config['QUEUE_PREFIX']}-tip-recording-{tip_id}" for tip_id in (lost, queued))
    work()
    assert _recording(rt, lost) == f"tip-twilio-{RECORDING_SID}.wav"
    assert _recording(rt, on_disk) == "tip-1700000000.1-1700000010.wav"
    assert requeue_pending_recordings(rt) == 0  # the other one (404 so far) waits for its retry


def test_a_fetched_recording_is_readable_by_the_service_alone(rt, action_id, twilio_api, recordings_dir):
    """A caller's voice under the usual umask 022: the directory 0700 and the file 0600, not world-readable."""
    old = os.umask(0o022)
    try:
        twilio_api.serve((200, WAV))
        name = fetch_tip_recording(_tip(rt, action_id, twilio_api.recording_url()))
    finally:
        os.umask(old)
    assert stat.S_IMODE(recordings_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((recordings_dir / name).stat().st_mode) == 0o600


def test_every_playing_and_download_of_a_recording_is_audited(app, rt, action_id, twilio_api):
    """Not only the first: each listen names who and when; a player's seek within one playing is not a new one."""
    twilio_api.serve((200, WAV))
    tip_id = _tip(rt, action_id, twilio_api.recording_url())
    fetch_tip_recording(tip_id)
    with rt.db.session() as session:
        operator_id = session.get(Action, action_id).operator_id
    operator = app.test_client()
    sign_in(operator, make_user(app, "operator", operator_id=operator_id))
    url = f"/actions/{action_id}/tips/{tip_id}/recording"
    assert operator.get(url).status_code == 200  # a download
    assert operator.get(url, headers={"Range": "bytes=0-"}).status_code == 206  # the player starts
    assert operator.get(url, headers={"Range": "bytes=4000-"}).status_code == 206  # ... and seeks
    with rt.db.session() as session:
        listens = [(e.actor, e.subject_id) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.verb == "listen").order_by(AuditEvent.id))]
    assert listens == [("user:operator@example.org", str(tip_id))] * 2
