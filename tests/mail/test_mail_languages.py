"""What the SMTP server receives speaks each participant's language (Dutch, English, German), from the catalogues:
the neighbourhood mail with its buttons and footer, and the address confirmation with the page behind its link."""
import pytest

from core import mail_address, runtime
from core.inquiries import InquiryService, MailAuthor, check_draft
from core.mail_jobs import enqueue_mails
from tests.integration.web_helpers import web_app
from tests.mail.mail_support import CIRCLE_FORM, mail_participant, parsed, police_sender, staff

# What each language's inquiry mail says around the sender's own words, in the order it says it.
INQUIRY = {
    "nl": ["Beste buurtbewoner,", "Deze link is persoonlijk; u kunt er later ook nog iets aan toevoegen.",
           "Wij willen graag weten:", "Vertel wat u zag of hoorde", "Ik heb niets gemerkt",
           "U krijgt deze mail omdat u deelneemt aan Uitkijk in dit gebied.", "Afmelden voor deze berichten: http"],
    "en": ["Dear neighbour,", "This link is personal; you can add to your reply later.", "We would like to know:",
           "Tell us what you saw or heard", "I noticed nothing",
           "You get this mail because you take part in Uitkijk in this area.", "Unsubscribe from these messages: http"],
    "de": ["Liebe Nachbarin, lieber Nachbar,",
           "Dieser Link ist persönlich; Sie können Ihre Antwort später noch ergänzen.",
           "Wir möchten gern wissen:", "Erzählen Sie, was Sie gesehen oder gehört haben", "Ich habe nichts bemerkt",
           "Sie erhalten diese Mail, weil Sie in diesem Gebiet an Uitkijk teilnehmen.",
           "Von diesen Nachrichten abmelden: http"],
}


def _in_order(text, phrases):
    at = 0
    for phrase in phrases:
        found = text.find(phrase, at)
        assert found >= 0, f"{phrase!r} not (in order) in:\n{text}"
        at = found + len(phrase)


def test_the_inquiry_mail_speaks_each_participants_language(mail_rt, relay, work):
    with mail_rt.db.session() as session:
        for n, language in enumerate(("nl", "en", "de"), start=1):
            mail_participant(session, n, 10 * n).language = language
        police_sender(session)
        draft = check_draft(session, CIRCLE_FORM, MailAuthor.of_user(staff(session, "police")))
        _inquiry, due = InquiryService(session, mail_rt.config).send(draft, actor="user:police@example.org")
        session.commit()
    enqueue_mails(mail_rt.queues.normal, due)
    work()
    received = {m.rcpt_tos[0]: parsed(m) for m in relay.wait_for(3)}
    for n, language in enumerate(("nl", "en", "de"), start=1):
        mail = received[f"p{n}@example.nl"]
        assert mail["Subject"] == CIRCLE_FORM["subject"]
        _in_order(mail.get_body(("plain",)).get_content(), INQUIRY[language])
        html = mail.get_body(("html",)).get_content()
        assert all(phrase in html for phrase in INQUIRY[language][3:5]), language  # the buttons


@pytest.mark.parametrize("language, subject, button, page", [
    ("nl", "Bevestig uw e-mailadres voor Uitkijk", "E-mailadres bevestigen", "Bevestig mijn e-mailadres"),
    ("en", "Confirm your e-mail address for Uitkijk", "Confirm e-mail address", "Confirm my e-mail address"),
    ("de", "Bestätigen Sie Ihre E-Mail-Adresse für Uitkijk", "E-Mail-Adresse bestätigen",
     "Meine E-Mail-Adresse bestätigen"),
])
def test_the_address_confirmation_speaks_the_participants_language(mail_config, relay, language, subject, button,
                                                                   page):
    app = next(web_app(mail_config))
    rt = app.extensions["uitkijk"]
    with rt.db.session() as session:
        participant = mail_participant(session, 1, 0, confirmed=False)
        participant.language = language
        mail_address.AddressConfirmation(session, rt.transports["email"], rt.config).request(participant)
        session.commit()
    mail = parsed(relay.wait_for(1)[0])
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == subject and button in text
    link = next(line.strip() for line in text.splitlines() if "/mail/confirm/" in line)
    shown = app.test_client().get(link.replace("http://127.0.0.1:5000", "")).get_data(as_text=True)
    runtime.uninstall()
    assert f'<html lang="{language}">' in shown and page in shown
