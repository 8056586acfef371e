"""Partners who receive public alerts by webhook (display networks, public transport, websites)."""
import secrets as token_source

from sqlalchemy import func, select

from . import audit, secrets
from .errors import Conflict, NotFound, ValidationError
from .models import Partner, PartnerDelivery, PublicationEvent
from .webhook_post import check_url


def _check(name, url, config):
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("name", "must be 1 to 120 characters")
    return name, check_url(url, config)


def register_partner(session, name, url, actor, config):
    """Register a partner; returns (partner, secret). The secret is shown once and stored sealed."""
    name, url = _check(name, url, config)
    if session.scalar(select(Partner.id).where(Partner.name == name)):
        raise Conflict("a partner named %(name)s exists", name=name)
    secret = token_source.token_urlsafe(32)
    partner = Partner(name=name, url=url, secret=secrets.seal(config, secret), active=True)
    session.add(partner)
    session.flush()
    audit.record(session, actor, "create", "partner", partner.id, {"name": name, "url": url})
    return partner, secret


def set_active(session, partner_id, active, actor):
    partner = get_partner(session, partner_id)
    partner.active = bool(active)
    audit.record(session, actor, "activate" if active else "deactivate", "partner", partner_id)
    return partner


def get_partner(session, partner_id):
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


def list_partners(session):
    """[(partner, {state: count})] for the admin list."""
    counts = {}
    for pid, state, n in session.execute(select(PartnerDelivery.partner_id, PartnerDelivery.state, func.count())
                                         .group_by(PartnerDelivery.partner_id, PartnerDelivery.state)):
        counts.setdefault(pid, {})[state] = n
    return [(p, counts.get(p.id, {})) for p in session.scalars(select(Partner).order_by(Partner.name))]


def delivery_log(session, partner_id, limit=200):
    """The partner's latest deliveries with the message each carried, newest first."""
    query = (select(PartnerDelivery, PublicationEvent.identifier, PublicationEvent.msg_type)
             .join(PublicationEvent, PublicationEvent.id == PartnerDelivery.event_id)
             .where(PartnerDelivery.partner_id == partner_id)
             .order_by(PartnerDelivery.id.desc()).limit(limit))
    return list(session.execute(query))
