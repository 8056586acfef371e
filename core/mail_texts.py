"""The words of every mail a participant gets (Dutch first, English, German), as content the mail channel renders.

The core says what a mail holds (paragraphs, questions, buttons, the footer's links); mail/
turns it into plain text and HTML. The same content drives the preview staff see before sending.
The words are msgids of the web's catalogues (translations/<lang>), worded in the participant's language.
"""
from dataclasses import dataclass

from .catalogues import translator
from .sms_texts import EXERCISE

LANGUAGES = ("nl", "en", "de")


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


def language_of(language):
    return language if language in LANGUAGES else "nl"


def _paragraphs(text):
    return tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())


def _links(_, links):
    """The footer's links to change preferences or unsubscribe, those there are."""
    return tuple(f"{label}: {url}" for label, url in ((_("Change your preferences"), links.get("manage")),
                                                      (_("Unsubscribe from these messages"),
                                                       links.get("unsubscribe_page"))) if url)


def _footer(_, links):
    """A neighbourhood mail's footer: why it came (when it has links), and the links."""
    why = (_("You get this mail because you take part in Uitkijk in this area."),) if links else ()
    return why + _links(_, links)


def inquiry_mail(inquiry, language, links):
    """The inquiry (or information) mail; `links` holds reply, nothing, manage, unsubscribe and unsubscribe_page."""
    _ = translator(language_of(language))
    buttons = ()
    if inquiry.kind == "inquiry" and links.get("reply"):
        buttons = ((_("Tell us what you saw or heard"), links["reply"]), (_("I noticed nothing"), links["nothing"]))
    paragraphs = (_("Dear neighbour,"),) + _paragraphs(inquiry.body)
    if buttons:
        paragraphs += (_("This link is personal; you can add to your reply later."),)
    return MailContent(
        subject=inquiry.subject, paragraphs=paragraphs,
        questions=tuple(inquiry.questions or ()) if inquiry.kind == "inquiry" else (),
        questions_heading=_("We would like to know:"),
        buttons=buttons, photo=links.get("photo"), footer=_footer(_, links),
        unsubscribe_url=links.get("unsubscribe"), manage_url=links.get("manage"), language=language_of(language))


def update_mail(inquiry, language, links):
    """The update that goes to everyone who got the inquiry."""
    _ = translator(language_of(language))
    return MailContent(
        subject=_("Update: %(subject)s", subject=inquiry.subject),
        paragraphs=(_("Dear neighbour,"),
                    _("Recently we asked whether you had seen or heard anything. This is where it stands now:"))
        + _paragraphs(inquiry.update_text or "") + (_("Thank you for your help."),),
        footer=_footer(_, links), unsubscribe_url=links.get("unsubscribe"), manage_url=links.get("manage"),
        language=language_of(language))


def alert_mail(code, purpose, text, language, links, exercise=False):
    """An alert ("alert") or closing message ("closing") by e-mail: the words its SMS has (with the public
    page's link when published); `links` holds manage, unsubscribe and unsubscribe_page. An exercise's
    subject starts with OEFENING too."""
    _ = translator(language_of(language))
    footer = (_("You get this mail because you chose to receive Uitkijk alerts by e-mail too."),) + _links(_, links)
    subject = (_("Uitkijk: an alert from the police (action %(code)s)", code=code) if purpose == "alert"
               else _("Uitkijk: the action has ended (action %(code)s)", code=code))
    if exercise:
        subject = f"{EXERCISE.get(language_of(language), EXERCISE['nl'])}: {subject}"
    return MailContent(subject=subject, paragraphs=_paragraphs(text),
                       footer=footer, unsubscribe_url=links.get("unsubscribe"),
                       manage_url=links.get("manage"), language=language_of(language))


def confirmation_mail(language, confirm_url):
    """The double opt-in mail: nothing else goes to an address before its link comes back."""
    _ = translator(language_of(language))
    return MailContent(subject=_("Confirm your e-mail address for Uitkijk"), paragraphs=(
        _("Dear neighbour,"),
        _("Please confirm that you want to receive messages from Uitkijk at this address. Only then will we send you "
          "mail. Did you not ask for this? Then ignore this mail.")),
        buttons=((_("Confirm e-mail address"), confirm_url),), language=language_of(language))

