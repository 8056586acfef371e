"""A MailContent from the core as a MIME message: plain text and HTML, the headers a mail client expects.

Every mail carries a proper Message-ID, Date and From with display name; mails to participants
carry RFC 8058 one-click unsubscribe (List-Unsubscribe with an https URL and
List-Unsubscribe-Post: List-Unsubscribe=One-Click) and a link to the self-service page.
"""
import email.policy
import html
import mimetypes
import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from core.models import utcnow

STYLE_BUTTON = ("display:inline-block;padding:10px 18px;margin:4px 8px 4px 0;border-radius:6px;"
                "background:#0b4f9c;color:#ffffff;text-decoration:none;font-weight:bold")
STYLE_SECOND = STYLE_BUTTON.replace("background:#0b4f9c;color:#ffffff", "background:#e8eef6;color:#0b4f9c")


def message_id(mail):
    """(Message-ID header, the ledger's reference): the reference is the part before the @, unique per mail."""
    domain = mail.from_address.rpartition("@")[2] or "uitkijk.local"
    local = f"u{mail.delivery_id}.{secrets.token_hex(8)}" if mail.delivery_id else make_msgid()[1:].split("@")[0]
    return f"<{local}@{domain}>", local[:64]


def plain_text(content):
    lines = []
    for paragraph in content.paragraphs:
        lines += [paragraph, ""]
    if content.questions:
        lines += [content.questions_heading] + [f"- {q}" for q in content.questions] + [""]
    for label, url in content.buttons:
        lines += [f"{label}:", url, ""]
    if content.footer:
        lines.append("-- ")
        lines += list(content.footer)
    return "\n".join(lines).strip() + "\n"


def html_body(content, photo_cid=None):
    esc = html.escape
    parts = [f'<!doctype html><html lang="{esc(content.language)}"><head><meta charset="utf-8">'
             f"<title>{esc(content.subject)}</title></head>"
             '<body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;line-height:1.5;max-width:640px">']
    for paragraph in content.paragraphs:
        parts.append("<p>" + esc(paragraph).replace("\n", "<br>") + "</p>")
    if photo_cid:
        parts.append(f'<p><img src="cid:{photo_cid[1:-1]}" alt="" style="max-width:100%;border-radius:6px"></p>')
    if content.questions:
        parts.append(f"<p>{esc(content.questions_heading)}</p><ul>" + "".join(f"<li>{esc(q)}</li>" for q in content.questions) + "</ul>")
    if content.buttons:
        parts.append("<p>" + "".join(
            f'<a href="{esc(url)}" style="{STYLE_BUTTON if i == 0 else STYLE_SECOND}">{esc(label)}</a>'
            for i, (label, url) in enumerate(content.buttons)) + "</p>")
    if content.footer:
        parts.append('<hr><p style="font-size:12px;color:#555">' + "<br>".join(
            _footer_line(line) for line in content.footer) + "</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _footer_line(line):
    label, sep, url = line.rpartition(": ")
    if sep and url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url)}" style="color:#0b4f9c">{html.escape(label)}</a>'
    return html.escape(line)


def compose(mail, now=None):
    """(EmailMessage, ledger reference) for an OutgoingMail."""
    content = mail.content
    msg = EmailMessage(policy=email.policy.SMTP)  # CRLF line ends, as they go over the wire
    msg["From"] = Address(mail.from_name, addr_spec=mail.from_address)
    msg["To"] = mail.to_address
    msg["Subject"] = content.subject
    msg["Date"] = format_datetime(now or utcnow())
    header, reference = message_id(mail)
    msg["Message-ID"] = header
    if content.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{content.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if content.manage_url:
        msg["List-Help"] = f"<{content.manage_url}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(plain_text(content))
    photo = Path(content.photo) if content.photo else None
    if photo is not None and photo.is_file():
        cid = make_msgid(domain=header.rpartition("@")[2][:-1])
        msg.add_alternative(html_body(content, cid), subtype="html")
        maintype, subtype = (mimetypes.guess_type(photo.name)[0] or "image/jpeg").split("/")
        msg.get_payload()[1].add_related(photo.read_bytes(), maintype=maintype, subtype=subtype, cid=cid)
    else:
        msg.add_alternative(html_body(content), subtype="html")
    return msg, reference
