"""Neighbourhood mail from staff: compose, preview with the count, send, read the replies, send the update.

Who may send what: police staff (the `police` role, operators and admins) send inquiries;
municipality staff send information, and only to participants of their own municipality.
Every mail is a delivery in the ledger (channel "email", purpose "inquiry" or "update").
"""
import csv
import io
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, select

from . import audit, private_files
from .address_input import parse_line
from .erasure import hold_off_erasure
from .errors import N_, Conflict, NotFound, Reason, ValidationError
from .fatigue import over_budget
from .geocoding import TableGeocoder
from .mail_links import MailLinks
from .mail_recipients import select_mail_recipients, validate_mail_area
from .mail_texts import inquiry_mail
from .models import (REACHED_STATES, Delivery, Inquiry, InquiryReply, MailSender, Municipality, Participant,
                     ParticipantLocation, ReplyPhoto, utcnow)
from .photos import clean_photo

POLICE_ROLES = ("police", "operator", "admin")
MAX_QUESTIONS = 5
MAX_BODY = 5000


@dataclass(frozen=True)
class MailAuthor:
    """Who composes neighbourhood mail: a web user, or a system through the API (its token). The role
    decides what they may send and read: municipality staff their municipality's information, police
    staff inquiries, admins both."""

    role: str
    municipality_id: int | None = None
    user_id: int | None = None
    token_id: int | None = None

    @classmethod
    def of_user(cls, user):
        return cls(user.role, user.municipality_id, user_id=user.id)

    @classmethod
    def of_token(cls, principal):
        """A municipality's token (core.tokens) acts as its staff; any other token as the police."""
        if principal.municipality_id is not None:
            return cls("municipality", principal.municipality_id, token_id=principal.id)
        return cls("police", token_id=principal.id)


@dataclass(frozen=True)
class Draft:
    """A checked compose form: what would be sent, to which area, from whom."""

    kind: str
    subject: str
    body: str
    questions: tuple[str, ...]
    area: dict
    area_label: str
    sender: MailSender
    municipality_id: int | None  # the staff member's municipality: recipients are limited to it
    author: MailAuthor


def kinds_for(author):
    if author.role == "admin":
        return ("inquiry", "information")
    if author.role in POLICE_ROLES:
        return ("inquiry",)
    if author.role == "municipality":
        return ("information",)
    return ()


def _text(form, field, limit, required=True):
    value = (form.get(field) or "").strip()
    if required and not value:
        raise ValidationError(field, "is required")
    if len(value) > limit:
        raise ValidationError(field, "is longer than %(max)s characters", max=limit)
    return value


def resolve_address(session, address):
    """The point of an address: from the address table (core.geocoding), else one known in the register
    (a participant's home or work); ValidationError when neither knows it."""
    try:
        place = TableGeocoder(session).locate(parse_line(address, "area.address"), "area")
        return place.lat, place.lon, place.label
    except ValidationError:
        pass  # not in the table (or not a full address): the register may still know it
    wanted = " ".join(address.split()).lower()
    row = session.execute(select(ParticipantLocation.lat, ParticipantLocation.lon, ParticipantLocation.address)
                          .where(func.lower(ParticipantLocation.address).like(f"{wanted}%"))
                          .order_by(func.length(ParticipantLocation.address)).limit(1)).first()
    if row is None:
        raise ValidationError("area.address", "is not an address we know; place the point on the map instead")
    return row


def _area(session, form, author):
    """The area and its label from the form; municipality staff are held to their own municipality."""
    kind = form.get("area_type") or "circle"
    if kind == "circle":
        radius = form.get("radius_m") or "50"
        try:
            radius = float(radius)
        except ValueError:
            raise ValidationError("area.radius_m", "must be a number of metres") from None
        if (form.get("address") or "").strip() and not (form.get("lat") and form.get("lon")):
            lat, lon, label = resolve_address(session, form["address"])
        else:
            try:
                lat, lon = float(form.get("lat", "")), float(form.get("lon", ""))
            except ValueError:
                raise ValidationError("area.address", "give an address or place the point on the map") from None
            label = (form.get("address") or "").strip() or f"{lat:.5f}, {lon:.5f}"
        area = validate_mail_area({"type": "circle", "lat": lat, "lon": lon, "radius_m": radius})
        return area, f"{area['radius_m']} m rond {label}"
    if kind == "polygon":
        try:
            drawn = json.loads(form.get("polygon") or "")
        except ValueError:
            raise ValidationError("area.geometry", "draw the area on the map: at least three corners") from None
        area = validate_mail_area({"type": "polygon", "geometry": drawn})
        corners = sum(len(polygon[0]) - 1 for polygon in area["polygons"])
        return area, f"getekend gebied ({corners} hoeken)"
    if kind == "postcode":
        area = validate_mail_area({"type": "postcode", "postcode": form.get("postcode")})
        return area, f"postcode {area['postcode']}"
    if kind == "municipality":
        code = form.get("municipality") or ""
        municipality = session.scalar(select(Municipality).where(Municipality.code == code))
        if municipality is None:
            raise ValidationError("area.code", "is not a known municipality")
        if author.role == "municipality" and municipality.id != author.municipality_id:
            raise ValidationError("area.code", "you may only send to your own municipality")
        return validate_mail_area({"type": "municipality", "code": code}), f"gemeente {municipality.name}"
    raise ValidationError("area.type", "must be circle, polygon, postcode or municipality")


def sender_for(session, author, kind):
    """The configured sender: the police's for inquiries, the staff member's municipality's for information."""
    municipality_id = author.municipality_id if kind == "information" else None
    query = select(MailSender).order_by(MailSender.id)
    query = query.where(MailSender.municipality_id.is_(None) if municipality_id is None
                        else MailSender.municipality_id == municipality_id)
    found = session.scalars(query).first()
    if found is None:
        raise ValidationError("sender", "no sender name and address is configured for this kind of mail; ask an admin")
    return found


def check_draft(session, form, author):
    """The compose form (a MailAuthor's) as a Draft, or ValidationError naming the field. Writes nothing."""
    allowed = kinds_for(author)
    kind = form.get("kind") or (allowed[0] if allowed else "")
    if kind not in allowed:
        raise ValidationError("kind", "your account may not send this kind of mail")
    subject = _text(form, "subject", 150)
    body = _text(form, "body", MAX_BODY)
    questions = tuple(q.strip() for q in (form.get("questions") or "").splitlines() if q.strip())
    if len(questions) > MAX_QUESTIONS or any(len(q) > 300 for q in questions):
        raise ValidationError("questions", "at most %(max)s questions of at most 300 characters",
                              max=MAX_QUESTIONS)
    area, label = _area(session, form, author)
    municipality_id = author.municipality_id if author.role == "municipality" else None
    return Draft(kind, subject, body, questions if kind == "inquiry" else (), area, label[:200],
                 sender_for(session, author, kind), municipality_id, author)


class InquiryService:
    def __init__(self, session, config):
        self.session = session
        self.config = config
        self.links = MailLinks(config)

    def recipients(self, draft):
        """(who gets the mail, how many are skipped for their weekly budget, core.fatigue)."""
        found = select_mail_recipients(self.session, draft.area, draft.kind, draft.municipality_id,
                                       self.config["TIMEZONE"])
        full = over_budget(self.session, [r.participant_id for r in found], self.config["MAIL_WEEKLY_BUDGET"])
        return [r for r in found if r.participant_id not in full], len(full)

    def preview(self, draft, language="nl"):
        """(count, skipped for their budget, MailContent) as a participant would get it; the links in it are
        placeholders."""
        inquiry = Inquiry(kind=draft.kind, subject=draft.subject, body=draft.body, questions=list(draft.questions))
        links = {"reply": f"{self.links.base}/reply/voorbeeld", "nothing": f"{self.links.base}/reply/voorbeeld?nothing=1",
                 "manage": f"{self.links.base}/my/voorbeeld", "unsubscribe_page": f"{self.links.base}/mail/unsubscribe/voorbeeld"}
        recipients, skipped = self.recipients(draft)
        return len(recipients), skipped, inquiry_mail(inquiry, language, links)

    def send(self, draft, photo=None, actor="system"):
        """Write the inquiry and one queued mail per recipient; returns (inquiry, due delivery ids).

        The caller commits, then enqueues the ids (core.mail_jobs.enqueue_mails).
        """
        hold_off_erasure(self.session)
        recipients, skipped = self.recipients(draft)
        if not recipients and skipped:
            raise ValidationError("area", "everyone in this area has had %(budget)s messages this week already",
                                  budget=self.config["MAIL_WEEKLY_BUDGET"])
        if not recipients:
            raise ValidationError("area", "nobody in this area receives this kind of mail")
        clean = clean_photo(photo, self.config["PHOTO_MAX_BYTES"], self.config["PHOTO_MAX_SIDE"]) if photo else None
        inquiry = Inquiry(kind=draft.kind, subject=draft.subject, body=draft.body, questions=list(draft.questions),
                          area=draft.area, area_label=draft.area_label, municipality_id=draft.municipality_id,
                          sender_id=draft.sender.id, created_by=draft.author.user_id,
                          created_by_token_id=draft.author.token_id, status="open", recipients=len(recipients),
                          skipped_over_budget=skipped)
        self.session.add(inquiry)
        self.session.flush()
        if clean:
            inquiry.photo = store_photo(self.config, f"inquiry-{inquiry.id}", clean)
        now = utcnow()
        self.session.execute(Delivery.__table__.insert(), [
            dict(inquiry_id=inquiry.id, participant_id=r.participant_id, to_e164="", to_address=r.address,
                 channel="email", purpose="inquiry", rank=rank, distance_m=r.distance_m, state="queued", attempts=0,
                 not_before=r.quiet_until, enqueued_at=None if r.quiet_until else now, updated_at=now)
            for rank, r in enumerate(recipients)])
        audit.record(self.session, actor, "inquiry-sent", "inquiry", inquiry.id,
                     {"kind": draft.kind, "recipients": len(recipients), "skipped_over_budget": skipped,
                      "area": draft.area_label})
        return inquiry, self._due(inquiry.id, "inquiry")

    def _due(self, inquiry_id, purpose):
        return list(self.session.scalars(select(Delivery.id).where(and_(
            Delivery.inquiry_id == inquiry_id, Delivery.purpose == purpose, Delivery.state == "queued",
            Delivery.not_before.is_(None))).order_by(Delivery.rank)))

    def send_update(self, inquiry, text, close, actor):
        """The update to everyone the inquiry reached; `close` also stops new replies. Returns due ids."""
        if inquiry.update_sent_at is not None:
            raise Conflict("the update of this inquiry has been sent already")
        text = (text or "").strip()
        if not text:
            raise ValidationError("update_text", "is required")
        if len(text) > MAX_BODY:
            raise ValidationError("update_text", "is longer than %(max)s characters", max=MAX_BODY)
        inquiry.update_text, inquiry.update_sent_at = text, utcnow()
        if close:
            inquiry.status, inquiry.closed_at = "closed", utcnow()
        hold_off_erasure(self.session)
        reached = self.session.execute(select(
            Delivery.participant_id, Delivery.to_address, Delivery.rank, Delivery.distance_m)
            .where(and_(Delivery.inquiry_id == inquiry.id, Delivery.purpose == "inquiry",
                        Delivery.state.in_(REACHED_STATES)))).all()
        now = utcnow()
        if reached:
            self.session.execute(Delivery.__table__.insert(), [
                dict(inquiry_id=inquiry.id, participant_id=pid, to_e164="", to_address=address, channel="email",
                     purpose="update", rank=rank, distance_m=distance, state="queued", attempts=0,
                     enqueued_at=now, updated_at=now) for pid, address, rank, distance in reached])
        audit.record(self.session, actor, "inquiry-update", "inquiry", inquiry.id,
                     {"recipients": len(reached), "closed": bool(close)})
        return self._due(inquiry.id, "update")

    def close(self, inquiry, actor):
        inquiry.status, inquiry.closed_at = "closed", utcnow()
        audit.record(self.session, actor, "inquiry-closed", "inquiry", inquiry.id)


def visible_inquiries(session, author):
    """The inquiries a MailAuthor may read: municipality staff their municipality's, police staff the police's."""
    query = select(Inquiry).order_by(Inquiry.id.desc())
    if author.role == "municipality":
        query = query.where(Inquiry.municipality_id == author.municipality_id)
    elif author.role != "admin":
        query = query.where(Inquiry.kind == "inquiry")
    return query


def get_inquiry(session, author, inquiry_id):
    found = session.scalar(visible_inquiries(session, author).where(Inquiry.id == inquiry_id))
    if found is None:
        raise NotFound("inquiry", inquiry_id)
    return found


def mail_progress(session, inquiry_id):
    """{purpose: {state: count}} of an inquiry's mails."""
    out = {}
    for purpose, state, count in session.execute(
            select(Delivery.purpose, Delivery.state, func.count()).where(Delivery.inquiry_id == inquiry_id)
            .group_by(Delivery.purpose, Delivery.state)):
        out.setdefault(purpose, {})[state] = count
    return out


def replies_of(session, inquiry_id):
    return session.scalars(select(InquiryReply).where(InquiryReply.inquiry_id == inquiry_id)
                           .order_by(InquiryReply.noticed.desc(), InquiryReply.updated_at.desc())).all()


def read_replies(session, inquiry, actor):
    """The inquiry's replies for staff to read; as they hold what residents told and their numbers, a
    read of any is audited."""
    replies = replies_of(session, inquiry.id)
    if replies:
        audit.record(session, actor, "replies-viewed", "inquiry", inquiry.id, {"replies": len(replies)})
    return replies


def reply_photo(session, inquiry, photo_id, actor):
    """A photo sent with one of the inquiry's replies (NotFound for any other), its viewing audited."""
    found = session.get(ReplyPhoto, photo_id)
    if found is None or session.get(InquiryReply, found.reply_id).inquiry_id != inquiry.id:
        raise NotFound("photo", photo_id)
    audit.record(session, actor, "photo-viewed", "inquiry", inquiry.id, {"photo": photo_id})
    return found


def mark_reply(session, inquiry, reply_id, helpful, actor):
    reply = session.get(InquiryReply, reply_id)
    if reply is None or reply.inquiry_id != inquiry.id:
        raise NotFound("reply", reply_id)
    reply.helpful = bool(helpful)
    audit.record(session, actor, "reply-marked", "inquiry", inquiry.id, {"reply": reply_id, "helpful": reply.helpful})
    return reply


# The export's column names (msgids): reply, received, updated, noticed, when, story, may_contact,
# contact_number, photos, helpful.
EXPORT_COLUMNS = (N_("Reply"), N_("Received"), N_("Updated"), N_("Noticed something"), N_("When"), N_("Story"),
                  N_("May be called"), N_("Contact number"), N_("Photos"), N_("Helpful"))


def export_csv(session, inquiry, actor, cell):
    """The replies as CSV (reading them is audited: they hold contact numbers). `cell` renders the column names
    and yes/no in the reader's language (web.i18n.csv_cell), as the dashboard's CSV; times stay ISO."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(Reason(name)) for name in EXPORT_COLUMNS])
    for r in replies_of(session, inquiry.id):
        writer.writerow([cell(value) for value in (
            r.id, r.created_at.isoformat(), r.updated_at.isoformat(), _yes_no(r.noticed), r.when_text or "",
            r.story or "", _yes_no(r.may_contact), r.contact_number or "", len(r.photos), _yes_no(r.helpful))])
    audit.record(session, actor, "replies-exported", "inquiry", inquiry.id)
    return out.getvalue()


def _yes_no(flag):
    return Reason(N_("yes")) if flag else Reason(N_("no"))


def store_photo(config, stem, clean):
    """Write a cleaned photo (a bare JPEG) under MAIL_PHOTO_DIR with an unguessable name; returns the file name."""
    name = f"{stem}-{secrets.token_hex(8)}.jpg"
    private_files.write_atomically(Path(config["MAIL_PHOTO_DIR"]) / name, clean.data)
    return name


def mail_counts(session, municipality_id=None, bounds=None):
    """The dashboard's figures: inquiries sent, reply rate, replies that helped.

    With a municipality, only what concerns its participants counts: the mails that reached them and
    their replies, and an inquiry or information message when it was mailed to at least one of them,
    so staff of one municipality never see another's figures. `bounds` ([start, end) datetimes) limits
    the count to mail composed in the dashboard's period.
    """
    mailed = (select(Delivery.id, Delivery.inquiry_id, Delivery.state, Inquiry.kind)
              .join(Inquiry, Inquiry.id == Delivery.inquiry_id).where(Delivery.purpose == "inquiry"))
    if municipality_id is not None:
        mailed = mailed.join(Participant, Participant.id == Delivery.participant_id).where(
            Participant.municipality_id == municipality_id)
    if bounds is not None:
        mailed = mailed.where(Inquiry.created_at >= bounds[0], Inquiry.created_at < bounds[1])
    mailed = mailed.subquery()
    per_kind = dict(session.execute(select(mailed.c.kind, func.count(func.distinct(mailed.c.inquiry_id)))
                                    .group_by(mailed.c.kind)).all())
    reached = session.scalar(select(func.count()).select_from(mailed).where(
        mailed.c.kind == "inquiry", mailed.c.state.in_(REACHED_STATES))) or 0
    replies = select(func.count()).select_from(InquiryReply).join(mailed, mailed.c.id == InquiryReply.delivery_id)
    replied = session.scalar(replies) or 0
    helpful = session.scalar(replies.where(InquiryReply.helpful.is_(True))) or 0
    return {"inquiries": per_kind.get("inquiry", 0), "information": per_kind.get("information", 0),
            "reached": reached, "replies": replied,
            "reply_rate": round(replied / reached, 3) if reached else None, "helpful": helpful}
