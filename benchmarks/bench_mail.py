"""Neighbourhood mail: an inquiry to 10,000 participants through the test SMTP relay at a configured rate.

The whole path runs: the inquiry writes 10,000 mail deliveries, RQ workers (several processes, as
in production) claim them and send through the SMTP transport over STARTTLS with AUTH, within the
relay's window and connection limits kept in Redis. What counts is what arrives: the relay
timestamps every accepted message, and the figures (first to last arrival against the least the
rate allows, the busiest window of MAIL_RATE_WINDOW_S, mails received per address, connections
open at once) come from the relay. The baseline, in the same run, is what one writes without a
shared limit: the rate shared out by hand, each of the workers sleeping workers/rate between sends.
"""
import bisect
import multiprocessing
import os
import tempfile
import time
import uuid
from collections import Counter

from rq import SimpleWorker
from sqlalchemy import insert

from core import migrate, runtime
from core.geo import cell_of
from core.inquiries import InquiryService, MailAuthor, check_draft
from core.mail_jobs import enqueue_mails
from core.models import MailPreference, MailSender, Participant, ParticipantLocation, User
from lab.smtp_server import LabRelay
from mail.transport import SmtpTransport

MAILS = int(os.environ.get("UITKIJK_BENCH_MAIL", 10_000))
RATE_PER_S = float(os.environ.get("UITKIJK_BENCH_MAIL_RATE", 20))
WINDOW_S = 1.0
CONNECTIONS = 2
NAIVE_MAILS = int(os.environ.get("UITKIJK_BENCH_MAIL_NAIVE", 2_000))
WORKERS = int(os.environ.get("UITKIJK_BENCH_MAIL_WORKERS", 3))
REDIS_URL = os.environ.get("UITKIJK_BENCH_REDIS", "redis://127.0.0.1:6379/13")
CENTRE = (52.3079, 5.0417)


class SleepPacedTransport(SmtpTransport):
    """The baseline: no shared limit; each of WORKERS processes sleeps WORKERS/rate before every mail."""

    def send(self, session, mail):
        time.sleep(WORKERS / RATE_PER_S)
        return super().send(session, mail)


def _populate(config, count):
    """`count` participants within 500 m of CENTRE, each with a confirmed address; a sender and a police user."""
    rt = runtime.configure(config)
    with rt.db.session() as session:
        session.add(MailSender(display_name="Politie", address="wijkmail@politie.example.nl"))
        session.add(User(email="police@example.org", name="Police", password_hash="-", role="police"))
        session.flush()
        session.execute(insert(Participant), [dict(id=i, email=f"p{i}@example.nl", language="nl", active=True)
                                              for i in range(1, count + 1)])
        locations = []
        for i in range(1, count + 1):
            lat, lon = CENTRE[0] + (i % 100 - 50) * 0.00004, CENTRE[1] + (i // 100 - 50) * 0.00006
            locations.append(dict(participant_id=i, kind="home", lat=lat, lon=lon, cell=cell_of(lat, lon)))
        session.execute(insert(ParticipantLocation), locations)
        session.execute(insert(MailPreference), [dict(participant_id=i, confirmed_address=f"p{i}@example.nl",
                                                      inquiries=True, information=True, alerts=False)
                                                 for i in range(1, count + 1)])
        user = session.query(User).one()
        form = {"kind": "inquiry", "subject": "Inbraak: heeft u iets gezien?", "body": "Wij zoeken getuigen.",
                "questions": "Zag u iemand?", "area_type": "circle", "lat": str(CENTRE[0]), "lon": str(CENTRE[1]),
                "radius_m": "1000"}
        inquiry, due = InquiryService(session, rt.config).send(check_draft(session, form, MailAuthor.of_user(user)))
        session.commit()
    assert len(due) == count, (len(due), count)
    enqueue_mails(rt.queues.normal, due)
    runtime.configure(config).close()


def _work(config, naive):
    rt = runtime.configure(config)
    if naive:
        rt.transports["email"] = SleepPacedTransport(rt.config)
    SimpleWorker([rt.queues.normal], connection=rt.redis).work(burst=True, logging_level="ERROR")


def _run(count, naive, log):
    with tempfile.TemporaryDirectory(prefix="uitkijk-bench-mail-") as directory, LabRelay() as relay:
        config = {"DATABASE_URL": f"sqlite:///{directory}/mail.db", "REDIS_URL": REDIS_URL,
                  "QUEUE_PREFIX": f"bm{uuid.uuid4().hex[:8]}", **relay.config(), "MAIL_RATE_PER_S": RATE_PER_S,
                  "MAIL_RATE_WINDOW_S": WINDOW_S, "SMTP_MAX_CONNECTIONS": CONNECTIONS,
                  "MAIL_PHOTO_DIR": directory, "SMTP_TIMEOUT_S": 30.0}
        migrate.upgrade(config["DATABASE_URL"])
        _populate(config, count)
        log(f"  {count} mails queued; {WORKERS} worker processes sending{' (naive)' if naive else ''}")
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=_work, args=(config, naive)) for _ in range(WORKERS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        received = relay.messages()
        most_open = relay.most_open
    arrivals = sorted(m.at for m in received)
    per_address = Counter(r for m in received for r in m.rcpt_tos)
    # A window starting at each arrival: the busiest of all windows of WINDOW_S, not of calendar seconds.
    busiest = max(bisect.bisect_left(arrivals, t + WINDOW_S) - i for i, t in enumerate(arrivals)) if arrivals else 0
    return {"total_s": arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0, "busiest": busiest,
            "received": len(received), "addresses": len(per_address),
            "twice": sum(1 for n in per_address.values() if n > 1), "connections": most_open}


def least_time(count):
    """The shortest first-to-last arrival of `count` mails with at most RATE_PER_S x WINDOW_S in any window."""
    per_window = max(1, int(RATE_PER_S * WINDOW_S + 1e-9))
    return (count - 1) // per_window * WINDOW_S


def run(report, log):
    fast = _run(MAILS, False, log)
    minimum = least_time(MAILS)
    log(f"  window: {fast}")
    naive = _run(NAIVE_MAILS, True, log)
    naive_minimum = least_time(NAIVE_MAILS)
    log(f"  sleep: {naive}")
    limit = max(1, int(RATE_PER_S * WINDOW_S + 1e-9))
    report(f"inquiry to {MAILS:,} participants through the test SMTP relay (STARTTLS, AUTH) at {RATE_PER_S:g}/s "
           f"(at most {limit} in any {WINDOW_S:g} s window, {CONNECTIONS} connections), {WORKERS} worker processes, "
           f"counted at the relay",
           f"{fast['total_s']:.1f} s (least {minimum:.1f} s, {100 * (fast['total_s'] / minimum - 1):+.1f}%), "
           f"at most {fast['busiest']} in any {WINDOW_S:g} s window, {fast['connections']} connections open at once; "
           f"{fast['received']:,} received by {fast['addresses']:,} addresses, {fast['twice']} twice",
           f"each process sleeps {WORKERS}/{RATE_PER_S:g} s between mails ({NAIVE_MAILS:,} mails): "
           f"{naive['total_s']:.1f} s (least {naive_minimum:.1f} s, "
           f"{100 * (naive['total_s'] / naive_minimum - 1):+.1f}%), up to {naive['busiest']} in a {WINDOW_S:g} s "
           f"window, {naive['connections']} connections", None)
