"""Spoken tips left on Twilio, fetched into RECORDINGS_DIR so operators can play them.

A tip recorded with TwiML <Record> lives at Twilio: the Record callback gives its RecordingUrl,
which `ivr.twiml_runner` stores as `Tip.recording`. The operator's follow page plays files from
RECORDINGS_DIR only (as the Asterisk side records them), so an RQ job downloads the WAV and
points the tip at `tip-twilio-<RecordingSid>.wav`. Until then the page shows the tip as
"recording being fetched".

The stored URL is only read for its account and recording SIDs, after checking it names a
recording on Twilio's API host of an account this installation holds a token for (the
configuration's or a Twilio trunk's, see twilio_gateway.accounts); the download goes to a URL
built from configuration (Twilio, or TWILIO_API_BASE_URL as every other Twilio request here) with
that account's token, so a forged URL cannot make the worker fetch anything else, nor send it our
credentials.

Retention: the recording is left at Twilio after the download. Deleting it there (Twilio's
Recordings API or its console's retention settings) is the admins' decision.
"""
import ipaddress
import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
from pydub.exceptions import CouldntDecodeError
from rq import Retry
from rq.job import Job
from sqlalchemy import select, update

from core import private_files, runtime
from core.follow import recording_pending
from core.models import Tip, utcnow
from core.numbers import mask
from tts_prompts import audio
from twilio_gateway.accounts import auth_tokens

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
RECORDING_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Recordings/(RE[0-9a-f]{32})")
DEFAULT_PORTS = {"http": 80, "https": 443}
TIMEOUT_S = (5, 30)  # connect, read
MAX_BYTES = 20 * 1024 * 1024  # a two-minute tip at 8 kHz 16-bit is under 2 MB
CHUNK_BYTES = 64 * 1024
# Twilio answers 404 until a fresh recording is processed: try again, backing off.
RETRY = Retry(max=5, interval=[5, 15, 60, 300, 900])
# The sweeper enqueues a fetch again for tips this recent whose job Redis no longer knows;
# job records outlive that window, so a refused tip is not tried again every sweep.
PENDING_WINDOW_S = 24 * 3600
JOB_KEEP_S = 2 * PENDING_WINDOW_S


class RecordingNotReady(Exception):
    """Twilio could not hand the recording over now (404, 429, 5xx, network): RQ tries again."""


class Refused(ValueError):
    """A recording this job will not fetch or keep; the tip is left as it is."""


def enqueue_fetch(rt, tip_id):
    """Enqueue the fetch of a tip's recording unless Redis holds a job for it; returns the job or None."""
    job_id = f"{rt.config['QUEUE_PREFIX']}-tip-recording-{tip_id}"
    if Job.exists(job_id, connection=rt.redis):
        return None
    return rt.queues.normal.enqueue(fetch_tip_recording, tip_id, job_id=job_id, retry=RETRY,
                                    result_ttl=JOB_KEEP_S, failure_ttl=JOB_KEEP_S)


def requeue_pending_recordings(rt):
    """For the sweeper: enqueue the fetch again for recent tips still holding a URL whose job was lost."""
    since = utcnow() - timedelta(seconds=PENDING_WINDOW_S)
    with rt.db.session() as session:
        tip_ids = session.scalars(select(Tip.id).where(Tip.recording.like("%://%"), Tip.created_at >= since)
                                  .order_by(Tip.id)).all()
    queued = [tip_id for tip_id in tip_ids if enqueue_fetch(rt, tip_id) is not None]
    if queued:
        log.info("sweeper re-enqueued the recording fetch of tips %s", queued)
    return len(queued)


@runtime.job
def fetch_tip_recording(rt, tip_id):
    """RQ job: download the tip's Twilio recording and point the tip at the file.

    Returns the file name the tip points at, else None. Running it again changes nothing.
    """
    config = rt.config
    with rt.db.session() as session:
        tip = session.get(Tip, tip_id)
        if tip is None:
            log.warning("tip %s: gone, no recording to fetch", tip_id)
            return None
        url, caller, action_id = tip.recording, tip.from_e164, tip.action_id
        if not recording_pending(url):
            return url  # already a file (fetched before, or recorded by Asterisk)
        try:
            account_sid, recording_sid = recording_of(url, config)
            auth_token = next(auth_tokens(session, config, account_sid), None)
            if auth_token is None:
                raise Refused(f"no auth token held for its account {account_sid}")
            source = f"{api_base(config)}/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}.wav"
        except Refused as exc:
            log.warning("tip %s: recording URL %r refused: %s", tip_id, url[:200], exc)
            return None
    name = f"tip-twilio-{recording_sid}.wav"
    target = Path(config["RECORDINGS_DIR"]) / name
    if not target.is_file():  # else an earlier run wrote it, then stopped before the update
        try:
            data = download(source, account_sid, auth_token)
            check_wav(data)
        except Refused as exc:
            log.error("tip %s: recording %s not kept: %s", tip_id, recording_sid, exc)
            return None
        private_files.write_atomically(target, data)  # a caller's voice: 0600 in a 0700 directory
    with rt.db.session() as session:
        changed = session.execute(update(Tip).where(Tip.id == tip_id, Tip.recording == url)
                                  .values(recording=name).execution_options(synchronize_session=False)).rowcount
    if changed:
        log.info("tip %s (action %s, from %s): recording %s fetched", tip_id, action_id, mask(caller), name)
    return name


def recording_of(url, config):
    """The account and recording SIDs of a RecordingUrl on Twilio's API host; Refused otherwise."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise Refused("malformed port") from None
    if parts.username or parts.password or parts.query or parts.fragment:
        raise Refused("credentials, query or fragment in the URL")
    if not _secure(parts.scheme, parts.hostname):
        raise Refused("not https (http only for a loopback host)")
    origin = (parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme])
    hosts = {_origin(TWILIO_API): ""}
    if config.get("TWILIO_API_BASE_URL"):
        base = config["TWILIO_API_BASE_URL"]
        hosts[_origin(base)] = urlsplit(base).path.rstrip("/")
    if origin not in hosts:
        raise Refused("not Twilio's API host")
    prefix = hosts[origin]
    found = RECORDING_PATH.fullmatch(parts.path[len(prefix):]) if parts.path.startswith(prefix) else None
    if found is None:
        raise Refused("not the path of a recording")
    return found.group(1), found.group(2)


def api_base(config):
    """Where Twilio's API is asked: TWILIO_API_BASE_URL if set (https, or http on loopback), else Twilio."""
    base = (config.get("TWILIO_API_BASE_URL") or TWILIO_API).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in DEFAULT_PORTS or not _secure(parts.scheme, parts.hostname):
        raise Refused("TWILIO_API_BASE_URL must be https (http only for a loopback host)")
    return base


def download(url, account_sid, auth_token):
    """The body of a GET with basic auth, at most MAX_BYTES; RecordingNotReady or Refused otherwise."""
    try:
        with requests.get(url, auth=(account_sid, auth_token), timeout=TIMEOUT_S, stream=True) as response:
            status = response.status_code
            if status == 404 or status == 429 or status >= 500:
                raise RecordingNotReady(f"Twilio answered HTTP {status}")
            if status != 200:
                raise Refused(f"Twilio answered HTTP {status}")  # 401/403: credentials, not time, fix it
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_BYTES:
                raise Refused(f"larger than {MAX_BYTES} bytes")
            body = bytearray()
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise Refused(f"larger than {MAX_BYTES} bytes")
            return bytes(body)
    except requests.RequestException as exc:
        raise RecordingNotReady(f"no answer from Twilio: {exc.__class__.__name__}") from None


def check_wav(data):
    """Refused unless `data` is a WAV file that decodes to some audio."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Refused("not a WAV file")
    try:
        segment = audio.decode_wav(data)
    except CouldntDecodeError:
        raise Refused("the WAV does not decode") from None
    if len(segment) == 0:
        raise Refused("the WAV holds no audio")


def _origin(url):
    parts = urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme))


def _secure(scheme, host):
    if scheme == "https":
        return True
    if scheme != "http" or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
