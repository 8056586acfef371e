"""How Twilio rings a Dial step's target: a SIP URI, or the E.164 number a dial string names."""
import re

import phonenumbers

_CHANNEL_NUMBER = re.compile(r"(?:PJSIP|SIP|Local|IAX2|DAHDI)/([+0-9]+)(?:@\S*)?", re.IGNORECASE)


def twilio_address(dial_string, region="NL"):
    """Where Twilio rings a dial string: ("sip", uri), ("number", e164), or None if it cannot."""
    text = (dial_string or "").strip()
    if text.lower().startswith(("sip:", "sips:")):
        return ("sip", text)
    found = _CHANNEL_NUMBER.fullmatch(text)
    number = found.group(1) if found else text
    if not re.fullmatch(r"\+?[0-9]{6,16}", number):
        return None
    if number.startswith("00"):
        number = "+" + number[2:]
    elif not number.startswith(("+", "0")):
        number = "+" + number  # Asterisk dial strings carry the country code without "+"
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return ("number", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
