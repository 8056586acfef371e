"""What no field of any input may hold, whatever the field: the checks below every validator.

Text with a NUL byte cannot be stored by PostgreSQL, a lone surrogate cannot be encoded by either
database, a control character has no business in a name or address, and an integer beyond 64 bits
overflows every id column. Validators call `check_text`; the web runs `check_tree` over each JSON
body and form, so a field no validator looks at cannot carry them in either.
"""
import re

from .errors import N_, ValidationError

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
ID_MAX = 2 ** 31 - 1  # primary keys are INTEGER columns (32 bits on PostgreSQL)
MAX_DEPTH = 20  # no input of Uitkijk nests deeper than a few levels
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("[\n\r\u2028\u2029]")


def check_text(value, field, multiline=True):
    """`value` (a str) unchanged, or ValidationError naming `field` and what it holds that it may not."""
    found = _FORBIDDEN.search(value)
    if found:
        char = found.group()
        if char == "\x00":
            raise ValidationError(field, "contains a NUL byte")
        if "\ud800" <= char <= "\udfff":
            raise ValidationError(field, "contains an unpaired surrogate (invalid Unicode)")
        raise ValidationError(field, "contains a control character (U+%(code)s)", code=f"{ord(char):04X}")
    if not multiline and _LINE_BREAK.search(value):
        raise ValidationError(field, "must be a single line")
    return value


def check_line(value, field, max_len, required=True, missing=N_("is required")):
    """One line of text, stripped and checked by `check_text`; None when empty and not `required`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, missing)
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    value = value.strip()
    if len(value) > max_len:
        raise ValidationError(field, "is longer than %(max)s characters", max=max_len)
    return check_text(value, field, multiline=False)


def check_int(value, field, low=INT64_MIN, high=INT64_MAX):
    """An int (not a bool) within [low, high], or ValidationError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if not low <= value <= high:
        raise ValidationError(field, "must be between %(low)s and %(high)s", low=low, high=high)
    return value


def parse_id(raw, field):
    """An id typed or chosen in a form (text) as an int an id column holds, or ValidationError."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= ID_MAX:
        raise ValidationError(field, "must be an id")
    return int(text)


def check_tree(data, root="body"):
    """Check every key and string of decoded JSON or form data (iteratively: no recursion to exhaust)."""
    stack = [(root, data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(path, "is nested deeper than %(max)s levels", max=MAX_DEPTH)
        if isinstance(value, str):
            check_text(value, path)
        elif isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        elif isinstance(value, int):
            check_int(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                check_text(str(key), path)
                stack.append((str(key) if path == root else f"{path}.{key}", item, depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))
