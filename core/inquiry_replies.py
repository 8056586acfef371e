"""A participant's reply to an inquiry, through the personal link in their mail (no login).

Everything is checked before anything is written: a bad photo, a closed inquiry or a bad number
leaves no row and no file behind. A later visit adds to the same reply.
"""
from dataclasses import dataclass

from sqlalchemy import select

from .errors import Conflict, ValidationError
from .inquiries import store_photo
from .mail_links import LinkRefused, MailLinks
from .models import Delivery, Inquiry, InquiryReply, ReplyPhoto, utcnow
from .numbers import parse_number
from .photos import clean_photo

MAX_STORY = 5000
MAX_PHOTOS = 5


@dataclass
class ReplyContext:
    delivery: Delivery
    inquiry: Inquiry
    reply: InquiryReply | None


class ReplyService:
    def __init__(self, session, config):
        self.session = session
        self.config = config

    def open(self, token):
        """The inquiry and reply a link names; LinkRefused when the link is expired, forged or not an inquiry's."""
        delivery_id = MailLinks(self.config).read_reply(token)
        delivery = self.session.get(Delivery, delivery_id)
        if (delivery is None or delivery.inquiry_id is None or delivery.purpose != "inquiry"
                or delivery.participant_id is None):  # None: the participant left, and their link with them
            raise LinkRefused("invalid")
        inquiry = self.session.get(Inquiry, delivery.inquiry_id)
        if inquiry.kind != "inquiry":
            raise LinkRefused("invalid")
        reply = self.session.scalar(select(InquiryReply).where(InquiryReply.delivery_id == delivery.id))
        return ReplyContext(delivery, inquiry, reply)

    def _writable(self, context):
        if context.inquiry.status != "open":
            raise Conflict("closed")

    def nothing_noticed(self, context):
        """The one-click "I noticed nothing"; a reply with a story stays as it is."""
        self._writable(context)
        if context.reply is None:
            context.reply = InquiryReply(inquiry_id=context.inquiry.id, participant_id=context.delivery.participant_id,
                                         delivery_id=context.delivery.id, noticed=False, may_contact=False,
                                         helpful=False)
            self.session.add(context.reply)
            self.session.flush()
        return context.reply

    def submit(self, context, form, photos=()):
        """Save (or add to) the reply; photos are (filename, bytes). ValidationError/Conflict write nothing."""
        self._writable(context)
        story = (form.get("story") or "").strip()
        when_text = (form.get("when") or "").strip()
        if not story:
            raise ValidationError("story", "tell what you saw or heard")
        if len(story) > MAX_STORY:
            raise ValidationError("story", "is longer than %(max)s characters", max=MAX_STORY)
        if len(when_text) > 200:
            raise ValidationError("when", "is longer than 200 characters")
        may_contact = form.get("may_contact") in ("1", "on", "yes", "true")
        number = None
        if may_contact:
            number = parse_number(form.get("contact_number"), self.config["DEFAULT_REGION"], "contact_number").e164
        photos = [p for p in photos if p[1]]
        existing = len(context.reply.photos) if context.reply else 0
        if existing + len(photos) > MAX_PHOTOS:
            raise ValidationError("photos", "at most %(max)s photos per reply", max=MAX_PHOTOS)
        cleaned = [clean_photo(data, self.config["PHOTO_MAX_BYTES"], self.config["PHOTO_MAX_SIDE"], "photos") for _, data in photos]
        reply = context.reply
        if reply is None:
            reply = InquiryReply(inquiry_id=context.inquiry.id, participant_id=context.delivery.participant_id,
                                 delivery_id=context.delivery.id, helpful=False, may_contact=False)
            self.session.add(reply)
            reply.story = story
            reply.when_text = when_text or None
        else:
            stamp = utcnow().strftime("%Y-%m-%d %H:%M UTC")
            reply.story = f"{reply.story}\n\n[{stamp}] {story}" if reply.story else story
            reply.when_text = when_text or reply.when_text
        reply.noticed = True
        reply.may_contact = may_contact or reply.may_contact
        reply.contact_number = number or reply.contact_number
        reply.updated_at = utcnow()
        self.session.flush()
        for clean in cleaned:
            name = store_photo(self.config, f"reply-{reply.id}", clean)
            reply.photos.append(ReplyPhoto(filename=name, content_type=clean.mime_type, size=len(clean.data)))
        self.session.flush()
        context.reply = reply
        return reply
