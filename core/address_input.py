"""What people type as an address, checked and split into its parts: postcode and house number (with
house letter and addition), or street, house number and place, or one line of text ("Damrak 1,
Amsterdam", "1012 LG 1"). Every refusal names the field it is about.

The parts follow the BAG's own: a postcode is four digits (not starting with 0) and two letters
(never SA, SD or SS); a house number 1 to 99999; a house letter one letter; an addition ("toevoeging")
at most four letters or digits.
"""
import re
import unicodedata
from dataclasses import dataclass

from .errors import ValidationError
from .input_checks import check_line

POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")
_POSTCODE_IN_TEXT = re.compile(r"(?<![0-9])([1-9][0-9]{3}) ?([A-Za-z]{2})(?![A-Za-z])")
_FORBIDDEN_LETTERS = ("SA", "SD", "SS")
# "12", "12A", "12 A", "12-2", "12A-2", "12 bis", "12-III": the number, a letter, an addition.
_HOUSE = re.compile(r"([0-9]{1,5})(?:\s*([A-Za-z])(?![A-Za-z0-9]))?"
                    r"(?:(?:\s*[-/]\s*|\s+)([A-Za-z0-9]{1,4})|([A-Za-z]{2,4}))?")
MAX_NUMBER = 99_999
MAX_NAME = 80


def postcode_text(postcode):
    """A postcode as written on an envelope: 1012LG -> 1012 LG."""
    return f"{postcode[:4]} {postcode[4:]}"


def house_text(number, letter, addition):
    """A house number as written on the door: 12, 12A, 12-2, 12A-2."""
    return f"{number}{letter or ''}" + (f"-{addition}" if addition else "")


@dataclass(frozen=True)
class AddressQuery:
    """An address to look up: postcode + house number, or street + house number + city."""

    house_number: int
    postcode: str | None = None  # "1012LG"
    street: str | None = None
    city: str | None = None
    house_letter: str = ""
    addition: str = ""

    @property
    def house(self):
        return house_text(self.house_number, self.house_letter, self.addition)

    def describe(self):
        if self.postcode:
            return f"{postcode_text(self.postcode)} {self.house}"
        return f"{self.street} {self.house}, {self.city}"


def fold(name):
    """A street or place name for comparing: without case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed if ch.isalnum()).lower()


# Abbreviations people write in street names; the register writes them out ("Burg. de Vlugtlaan" is
# Burgemeester de Vlugtlaan, "Pr. Hendrikkade" Prins Hendrikkade, "v." van).
_ABBREVIATIONS = {"burg": "Burgemeester", "pr": "Prins", "v": "van", "st": "Sint", "mr": "Meester",
                  "jhr": "Jonkheer", "gen": "Generaal", "kon": "Koningin"}
_ABBREVIATED = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\.\s*", re.IGNORECASE)


def street_keys(street):
    """The fold()ed keys a typed street name may be stored under: as typed, and with its abbreviations
    written out (only a word with a dot counts as abbreviated: 'St. Jansstraat', not 'Stationsweg')."""
    written_out = _ABBREVIATED.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()] + " ", street or "")
    return tuple(dict.fromkeys((fold(street), fold(written_out))))


def parse_postcode(value, field):
    """'1012 lg' -> '1012LG'; ValidationError naming `field` when it is no Dutch postcode."""
    text = _text(value, field, 8)
    match = POSTCODE.fullmatch(text)
    if not match:
        raise ValidationError(field, "must be a Dutch postcode: four digits and two letters, like 1012 LG")
    letters = match.group(2).upper()
    if letters in _FORBIDDEN_LETTERS:
        raise ValidationError(field, "is no postcode: %(letters)s is never used in Dutch postcodes",
                              letters=letters)
    return match.group(1) + letters


def parse_house(number, letter="", addition="", field="house_number", letter_field=None, addition_field=None):
    """(house number, letter, addition) from what was typed; the number may carry the rest ("12A-2")."""
    if isinstance(number, bool):
        raise ValidationError(field, "must be a house number, like 12 or 12A")
    raw = str(number).strip() if isinstance(number, int) else _text(number, field, 16)
    match = _HOUSE.fullmatch(raw)
    if not match:
        raise ValidationError(field, "must be a house number, like 12, 12A or 12-2")
    value = int(match.group(1))
    if not 1 <= value <= MAX_NUMBER:
        raise ValidationError(field, "must be between 1 and %(max)s", max=MAX_NUMBER)
    typed_letter, typed_addition = match.group(2) or "", match.group(3) or match.group(4) or ""
    prefix = field.rpartition(".")[0] + "." if "." in field else ""
    letter_field = letter_field or f"{prefix}house_letter"
    addition_field = addition_field or f"{prefix}addition"
    letter = _text(letter, letter_field, 1, required=False) if letter not in (None, "") else ""
    addition = _text(addition, addition_field, 4, required=False) if addition not in (None, "") else ""
    if letter and not letter.isalpha():
        raise ValidationError(letter_field, "must be one letter, like A")
    if addition and not addition.isalnum():
        raise ValidationError(addition_field, "must be at most four letters or digits, like 2 or bis")
    if (typed_letter and letter) or (typed_addition and addition):
        raise ValidationError(field, "holds a letter or addition that is also given on its own")
    return value, (letter or typed_letter).upper(), (addition or typed_addition).upper()


def split_suffix(suffix, field):
    """A form's one "toevoeging" box ("A", "2", "A-2", "bis") as (letter, addition)."""
    text = _text(suffix, field, 8, required=False) if suffix else ""
    if not text:
        return "", ""
    match = re.fullmatch(r"([A-Za-z])?\s*[-/ ]?\s*([A-Za-z0-9]{1,4})?", text)
    if not match or not any(match.groups()):
        raise ValidationError(field, "must be a house letter and/or addition, like A, 2 or A-2")
    letter, addition = match.group(1) or "", match.group(2) or ""
    if letter and not addition and len(text) == 1:
        return letter.upper(), ""
    if letter and addition and not re.search(r"[-/ ]", text) and addition.isalpha():
        return "", text.upper()  # "bis", "hs": one word, an addition
    return letter.upper(), addition.upper()


def query_from_parts(data, field):
    """An AddressQuery from structured parts (postcode + house_number, or street + house_number + city),
    or None when `data` holds none of them."""
    parts = {key: data.get(key) for key in ("postcode", "house_number", "house_letter", "addition", "street", "city")}
    if not any(value not in (None, "") for value in parts.values()):
        return None
    if parts["house_number"] in (None, ""):
        raise ValidationError(f"{field}.house_number", "is required with an address")
    number, letter, addition = parse_house(parts["house_number"], parts["house_letter"] or "",
                                           parts["addition"] or "", f"{field}.house_number")
    if parts["postcode"] not in (None, ""):
        return AddressQuery(number, postcode=parse_postcode(parts["postcode"], f"{field}.postcode"),
                            house_letter=letter, addition=addition)
    street = _text(parts["street"], f"{field}.street", MAX_NAME, required=True,
                   missing="is required (or give the postcode)")
    city = _text(parts["city"], f"{field}.city", MAX_NAME, required=True, missing="is required with a street")
    return AddressQuery(number, street=street, city=city, house_letter=letter, addition=addition)


def parse_line(text, field):
    """An AddressQuery from one line: "Damrak 1, Amsterdam", "Damrak 1A Amsterdam", "1012 LG 1",
    "Damrak 1, 1012 LG Amsterdam" (a postcode in the line wins)."""
    line = _text(text, field, 200)
    postcode = _POSTCODE_IN_TEXT.search(line)
    if postcode:
        rest = (line[:postcode.start()] + " " + line[postcode.end():]).strip(" ,")
        house = re.search(r"(?<![0-9A-Za-z])[0-9]{1,5}(?:\s*[A-Za-z](?![A-Za-z]))?(?:\s*-\s*[A-Za-z0-9]{1,4})?", rest)
        if not house:
            raise ValidationError(field, "needs a house number with the postcode, like 1012 LG 1")
        number, letter, addition = parse_house(house.group(0).replace(" ", ""), field=field)
        letters = postcode.group(2).upper()
        if letters in _FORBIDDEN_LETTERS:
            raise ValidationError(field, "holds no postcode: %(letters)s is never used in Dutch postcodes",
                                  letters=letters)
        return AddressQuery(number, postcode=postcode.group(1) + letters, house_letter=letter, addition=addition)
    match = re.fullmatch(r"(?P<street>[^,0-9][^,]*?)\s+(?P<house>[0-9]{1,5}(?:\s*[A-Za-z](?![A-Za-z]))?"
                         r"(?:\s*-\s*[A-Za-z0-9]{1,4})?)\s*(?:,\s*|\s+)(?P<city>[^,0-9][^,]*)", line)
    if not match:
        raise ValidationError(field, "must be an address like 'Damrak 1, Amsterdam' or a postcode and house "
                                     "number like '1012 LG 1'")
    number, letter, addition = parse_house(match.group("house").replace(" ", ""), field=field)
    return AddressQuery(number, street=match.group("street").strip(), city=match.group("city").strip(),
                        house_letter=letter, addition=addition)


def _text(value, field, max_len, required=True, missing="is required"):
    return check_line(value, field, max_len, required, missing) or ""
