"""The publish channel behind core.publication.Publisher: sign each message, hand it to the partners."""
import logging

from redis.exceptions import RedisError
from sqlalchemy import select

from core import publication
from core.models import PartnerDelivery

from .cap import build_alert
from .partners import enqueue_deliveries, fan_out
from .signing import Signers, serialise

log = logging.getLogger(__name__)


class Publisher(publication.Publisher):
    def __init__(self, config):
        self.config = config
        self.signers = Signers(config)

    def render(self, session, event):
        """Inside the transaction that records the message: its signed CAP document and partner rows."""
        earlier = [e for e in publication.events_of(session, event.publication_id) if e.seq < event.seq]
        alert = build_alert(event, earlier, self.config)
        signer = self.signers.current(session)
        if signer is not None:
            alert = signer.sign(alert)
        event.cap_xml = serialise(alert)
        fan_out(session, event)

    def dispatch(self, rt, event_ids):
        """After commit: enqueue the messages' partner deliveries (their rows stay queued if Redis is down)."""
        with rt.db.session() as session:
            ids = list(session.scalars(select(PartnerDelivery.id).where(
                PartnerDelivery.event_id.in_(event_ids), PartnerDelivery.state == "queued")))
        try:
            enqueue_deliveries(rt, ids)
        except RedisError:
            log.exception("partner deliveries %s not enqueued; they stay queued in the log", ids)
