"""The words of every mail a participant gets (Dutch first, English, German), as content the mail channel renders.

The core says what a mail holds (paragraphs, questions, buttons, the footer's links); mail/
turns it into plain text and HTML. The same content drives the preview staff see before sending.
"""
from dataclasses import dataclass

from .sms_texts import EXERCISE


@dataclass(frozen=True)
class MailContent:
    subject: str
    paragraphs: tuple[str, ...]
    questions: tuple[str, ...] = ()
    questions_heading: str = ""
    buttons: tuple[tuple[str, str], ...] = ()  # (label, absolute URL); the first is the main one
    photo: str | None = None  # a file to show inline (an inquiry's photo)
    footer: tuple[str, ...] = ()
    unsubscribe_url: str | None = None  # RFC 8058 one-click: POST to this URL unsubscribes
    manage_url: str | None = None
    language: str = "nl"


@dataclass(frozen=True)
class OutgoingMail:
    """One mail for a transport: who it goes to, who it comes from, and what it says."""

    to_address: str
    from_name: str
    from_address: str
    content: MailContent
    delivery_id: int | None = None


TEXTS = {
    "nl": {
        "greeting": "Beste buurtbewoner,",
        "questions": "Wij willen graag weten:",
        "reply": "Vertel wat u zag of hoorde",
        "nothing": "Ik heb niets gemerkt",
        "reply_hint": "Deze link is persoonlijk; u kunt er later ook nog iets aan toevoegen.",
        "footer_why": "U krijgt deze mail omdat u deelneemt aan Uitkijk in dit gebied.",
        "manage": "Wijzig uw voorkeuren",
        "unsubscribe": "Afmelden voor deze berichten",
        "update_subject": "Update: {subject}",
        "update_intro": "Onlangs vroegen wij u of u iets had gezien of gehoord. Zo staat het er nu voor:",
        "update_thanks": "Dank voor uw hulp.",
        "confirm_subject": "Bevestig uw e-mailadres voor Uitkijk",
        "confirm_text": "Bevestig dat u op dit adres berichten van Uitkijk wilt ontvangen. "
                        "Pas daarna sturen wij u mail. Heeft u dit niet aangevraagd? Dan kunt u deze mail negeren.",
        "confirm_button": "E-mailadres bevestigen",
        "alert_subject": "Uitkijk: oproep van de politie (actie {code})",
        "closing_subject": "Uitkijk: de actie is beëindigd (actie {code})",
        "alert_why": "U krijgt deze mail omdat u oproepen van Uitkijk ook per e-mail wilt ontvangen.",
    },
    "en": {
        "greeting": "Dear neighbour,",
        "questions": "We would like to know:",
        "reply": "Tell us what you saw or heard",
        "nothing": "I noticed nothing",
        "reply_hint": "This link is personal; you can add to your reply later.",
        "footer_why": "You get this mail because you take part in Uitkijk in this area.",
        "manage": "Change your preferences",
        "unsubscribe": "Unsubscribe from these messages",
        "update_subject": "Update: {subject}",
        "update_intro": "Recently we asked whether you had seen or heard anything. This is where it stands now:",
        "update_thanks": "Thank you for your help.",
        "confirm_subject": "Confirm your e-mail address for Uitkijk",
        "confirm_text": "Please confirm that you want to receive messages from Uitkijk at this address. "
                        "Only then will we send you mail. Did you not ask for this? Then ignore this mail.",
        "confirm_button": "Confirm e-mail address",
        "alert_subject": "Uitkijk: an alert from the police (action {code})",
        "closing_subject": "Uitkijk: the action has ended (action {code})",
        "alert_why": "You get this mail because you chose to receive Uitkijk alerts by e-mail too.",
    },
    "de": {
        "greeting": "Liebe Nachbarin, lieber Nachbar,",
        "questions": "Wir möchten gern wissen:",
        "reply": "Erzählen Sie, was Sie gesehen oder gehört haben",
        "nothing": "Ich habe nichts bemerkt",
        "reply_hint": "Dieser Link ist persönlich; Sie können Ihre Antwort später noch ergänzen.",
        "footer_why": "Sie erhalten diese Mail, weil Sie in diesem Gebiet an Uitkijk teilnehmen.",
        "manage": "Ihre Einstellungen ändern",
        "unsubscribe": "Von diesen Nachrichten abmelden",
        "update_subject": "Update: {subject}",
        "update_intro": "Vor Kurzem haben wir Sie gefragt, ob Sie etwas gesehen oder gehört haben. So ist der Stand:",
        "update_thanks": "Vielen Dank für Ihre Hilfe.",
        "confirm_subject": "Bestätigen Sie Ihre E-Mail-Adresse für Uitkijk",
        "confirm_text": "Bitte bestätigen Sie, dass Sie an diese Adresse Nachrichten von Uitkijk erhalten möchten. "
                        "Erst dann senden wir Ihnen Mails. Haben Sie das nicht angefordert? "
                        "Dann ignorieren Sie diese Mail.",
        "confirm_button": "E-Mail-Adresse bestätigen",
        "alert_subject": "Uitkijk: ein Aufruf der Polizei (Aktion {code})",
        "closing_subject": "Uitkijk: die Aktion ist beendet (Aktion {code})",
        "alert_why": "Sie erhalten diese Mail, weil Sie Aufrufe von Uitkijk auch per E-Mail erhalten möchten.",
    },
}


def language_of(language):
    return language if language in TEXTS else "nl"


def _paragraphs(text):
    return tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())


def _footer(t, links):
    return ((t["footer_why"],) if links else ()) + tuple(
        f"{label}: {url}" for label, url in ((t["manage"], links.get("manage")),
                                             (t["unsubscribe"], links.get("unsubscribe_page"))) if url)


def inquiry_mail(inquiry, language, links):
    """The inquiry (or information) mail; `links` holds reply, nothing, manage, unsubscribe and unsubscribe_page."""
    t = TEXTS[language_of(language)]
    buttons = ()
    if inquiry.kind == "inquiry" and links.get("reply"):
        buttons = ((t["reply"], links["reply"]), (t["nothing"], links["nothing"]))
    paragraphs = (t["greeting"],) + _paragraphs(inquiry.body)
    if buttons:
        paragraphs += (t["reply_hint"],)
    return MailContent(
        subject=inquiry.subject, paragraphs=paragraphs,
        questions=tuple(inquiry.questions or ()) if inquiry.kind == "inquiry" else (), questions_heading=t["questions"],
        buttons=buttons, photo=links.get("photo"), footer=_footer(t, links),
        unsubscribe_url=links.get("unsubscribe"), manage_url=links.get("manage"), language=language_of(language))


def update_mail(inquiry, language, links):
    """The update that goes to everyone who got the inquiry."""
    t = TEXTS[language_of(language)]
    return MailContent(
        subject=t["update_subject"].format(subject=inquiry.subject),
        paragraphs=(t["greeting"], t["update_intro"]) + _paragraphs(inquiry.update_text or "") + (t["update_thanks"],),
        footer=_footer(t, links), unsubscribe_url=links.get("unsubscribe"), manage_url=links.get("manage"),
        language=language_of(language))


def alert_mail(code, purpose, text, language, links, exercise=False):
    """An alert ("alert") or closing message ("closing") by e-mail: the words its SMS has (with the public
    page's link when published); `links` holds manage, unsubscribe and unsubscribe_page. An exercise's
    subject starts with OEFENING too."""
    t = TEXTS[language_of(language)]
    footer = (t["alert_why"],) + _footer(t, links)[1:]
    subject = t[f"{purpose}_subject"].format(code=code)
    if exercise:
        subject = f"{EXERCISE.get(language_of(language), EXERCISE['nl'])}: {subject}"
    return MailContent(subject=subject, paragraphs=_paragraphs(text),
                       footer=footer, unsubscribe_url=links.get("unsubscribe"),
                       manage_url=links.get("manage"), language=language_of(language))


def confirmation_mail(language, confirm_url):
    """The double opt-in mail: nothing else goes to an address before its link comes back."""
    t = TEXTS[language_of(language)]
    return MailContent(subject=t["confirm_subject"], paragraphs=(t["greeting"], t["confirm_text"]),
                       buttons=((t["confirm_button"], confirm_url),), language=language_of(language))

