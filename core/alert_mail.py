"""Alerts by e-mail: an action's alert or closing message as a mail, through the mail transport.

A participant who chose alerts by e-mail has an "email" reach point (core.reach_points), so a launch
writes them an extra delivery of channel email beside their call or SMS; the send job hands it here
like any other channel's. The mail says what the SMS says, from MAIL_FROM_NAME / MAIL_FROM_ADDRESS,
with one-click unsubscribe from alerts by e-mail.
"""
from sqlalchemy import select

from .mail_links import MailLinks
from .mail_texts import OutgoingMail, alert_mail
from .models import Action, Participant


class AlertMailTransport:
    """The mail transport as an alert channel: send(session, delivery, text) like the others."""

    channel = "email"

    def __init__(self, mail_transport, config):
        self.mail = mail_transport
        self.name = mail_transport.name
        self.config = config
        self.links = MailLinks(config)

    def send(self, session, delivery, text):
        code, exercise = session.execute(select(Action.code, Action.exercise)
                                         .where(Action.id == delivery.action_id)).one()
        language = session.scalar(select(Participant.language).where(Participant.id == delivery.participant_id))
        links = {"manage": self.links.manage_url(delivery.participant_id),
                 "unsubscribe": self.links.unsubscribe_url(delivery.participant_id, "alerts")}
        links["unsubscribe_page"] = links["unsubscribe"]
        content = alert_mail(code, delivery.purpose, text, language, links, exercise)
        return self.mail.send(session, OutgoingMail(delivery.to_address, self.config["MAIL_FROM_NAME"],
                                                    self.config["MAIL_FROM_ADDRESS"], content, delivery.id))
