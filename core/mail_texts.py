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


# The participant's pages behind the links in a mail.
PAGE_TEXTS = {
    "nl": {
        "reply_title": "Uw reactie", "what": "Wat zag of hoorde u?", "when": "Wanneer was dat?",
        "when_hint": "bijvoorbeeld: dinsdagnacht rond 3 uur", "photos": "Foto's (optioneel)",
        "photos_hint": "JPEG, PNG of WebP, tot {mb} MB per foto; wij verwijderen locatie- en cameragegevens",
        "may_contact": "De politie mag contact met mij opnemen", "number": "Op telefoonnummer",
        "send": "Verstuur reactie", "add": "Vul uw reactie aan", "nothing": "Ik heb niets gemerkt",
        "nothing_hint": "Niets gezien of gehoord? Dat is ook nuttig om te weten.",
        "thanks": "Dank u wel. Uw reactie is ontvangen.", "thanks_nothing": "Dank u wel voor het laten weten.",
        "your_reply": "Uw reactie tot nu toe", "closed": "Dit buurtonderzoek is gesloten; reageren kan niet meer.",
        "expired": "Deze link is verlopen. Neem bij dringende informatie contact op met de politie via 0900-8844.",
        "invalid": "Deze link is niet geldig. Gebruik de link uit uw e-mail.",
        "unsubscribe_title": "Afmelden", "unsubscribe_button": "Afmelden",
        "unsubscribe_ask": "Wilt u geen {kind} meer per e-mail ontvangen?",
        "unsubscribed": "U bent afgemeld voor {kind}. U kunt dit altijd terugzetten via uw voorkeuren.",
        "confirm_title": "E-mailadres bevestigen", "confirm_button": "Bevestig mijn e-mailadres",
        "confirm_ask": "Bevestig dat u op {address} berichten van Uitkijk wilt ontvangen.",
        "confirmed": "Uw e-mailadres is bevestigd. Dank u wel.",
        "kinds": {"inquiries": "buurtonderzoeken van de politie", "information": "informatie van uw gemeente",
                  "alerts": "oproepen per e-mail"},
        "error": "Controleer het veld", "fields": {"story": "Wat zag of hoorde u", "when": "Wanneer",
                                                   "photos": "Foto's", "contact_number": "Telefoonnummer"},
    },
    "en": {
        "reply_title": "Your reply", "what": "What did you see or hear?", "when": "When was that?",
        "when_hint": "for example: Tuesday night around 3 o'clock", "photos": "Photos (optional)",
        "photos_hint": "JPEG, PNG or WebP, up to {mb} MB each; we remove location and camera data",
        "may_contact": "The police may contact me", "number": "On phone number",
        "send": "Send reply", "add": "Add to your reply", "nothing": "I noticed nothing",
        "nothing_hint": "Saw or heard nothing? That is useful to know too.",
        "thanks": "Thank you. Your reply has been received.", "thanks_nothing": "Thank you for letting us know.",
        "your_reply": "Your reply so far", "closed": "This inquiry is closed; replies are no longer possible.",
        "expired": "This link has expired. For urgent information, contact the police on 0900-8844.",
        "invalid": "This link is not valid. Use the link from your e-mail.",
        "unsubscribe_title": "Unsubscribe", "unsubscribe_button": "Unsubscribe",
        "unsubscribe_ask": "Do you no longer want to receive {kind} by e-mail?",
        "unsubscribed": "You are unsubscribed from {kind}. You can switch this back on in your preferences.",
        "confirm_title": "Confirm e-mail address", "confirm_button": "Confirm my e-mail address",
        "confirm_ask": "Please confirm that you want to receive messages from Uitkijk at {address}.",
        "confirmed": "Your e-mail address is confirmed. Thank you.",
        "kinds": {"inquiries": "police inquiries", "information": "information from your municipality",
                  "alerts": "alerts by e-mail"},
        "error": "Please check the field", "fields": {"story": "What you saw or heard", "when": "When",
                                                      "photos": "Photos", "contact_number": "Phone number"},
    },
    "de": {
        "reply_title": "Ihre Antwort", "what": "Was haben Sie gesehen oder gehört?", "when": "Wann war das?",
        "when_hint": "zum Beispiel: Dienstagnacht gegen 3 Uhr", "photos": "Fotos (optional)",
        "photos_hint": "JPEG, PNG oder WebP, bis {mb} MB pro Foto; wir entfernen Standort- und Kameradaten",
        "may_contact": "Die Polizei darf mich kontaktieren", "number": "Unter der Telefonnummer",
        "send": "Antwort senden", "add": "Ihre Antwort ergänzen", "nothing": "Ich habe nichts bemerkt",
        "nothing_hint": "Nichts gesehen oder gehört? Auch das ist gut zu wissen.",
        "thanks": "Vielen Dank. Ihre Antwort ist eingegangen.", "thanks_nothing": "Vielen Dank für Ihre Rückmeldung.",
        "your_reply": "Ihre bisherige Antwort",
        "closed": "Diese Nachbarschaftsumfrage ist geschlossen; Antworten sind nicht mehr möglich.",
        "expired": "Dieser Link ist abgelaufen. Bei dringenden Hinweisen wenden Sie sich an die Polizei "
                   "unter 0900-8844.",
        "invalid": "Dieser Link ist nicht gültig. Verwenden Sie den Link aus Ihrer E-Mail.",
        "unsubscribe_title": "Abmelden", "unsubscribe_button": "Abmelden",
        "unsubscribe_ask": "Möchten Sie keine {kind} mehr per E-Mail erhalten?",
        "unsubscribed": "Sie sind von {kind} abgemeldet. Sie können das jederzeit in Ihren Einstellungen ändern.",
        "confirm_title": "E-Mail-Adresse bestätigen", "confirm_button": "Meine E-Mail-Adresse bestätigen",
        "confirm_ask": "Bitte bestätigen Sie, dass Sie unter {address} Nachrichten von Uitkijk erhalten möchten.",
        "confirmed": "Ihre E-Mail-Adresse ist bestätigt. Vielen Dank.",
        "kinds": {"inquiries": "Nachbarschaftsumfragen der Polizei", "information": "Informationen Ihrer Gemeinde",
                  "alerts": "Aufrufe per E-Mail"},
        "error": "Bitte prüfen Sie das Feld", "fields": {"story": "Was Sie gesehen oder gehört haben", "when": "Wann",
                                                      "photos": "Fotos", "contact_number": "Telefonnummer"},
    },
}


def page_texts(language):
    return PAGE_TEXTS[language_of(language)]
