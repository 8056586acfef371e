"""Photos people would rather look at than read: checked, resized and stripped of metadata.

Any channel (public alerts, e-mail) gets the same clean JPEG: the upload is decoded by Pillow,
re-encoded from its pixels only, so EXIF (GPS position, camera, owner), XMP and ICC data never leave.
"""
import hashlib
import io
import secrets
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Larger than any photo a phone takes; refuses decompression bombs before they are decoded.
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes  # JPEG
    width: int
    height: int

    @property
    def sha1(self):
        return hashlib.sha1(self.data).hexdigest()

    @property
    def mime_type(self):
        return "image/jpeg"


def clean_photo(data, max_bytes, max_side, field="photo"):
    """Check an uploaded image (type, size) and return it resized to at most max_side, as a bare JPEG."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValidationError(field, "is empty")
    if len(data) > max_bytes:
        raise ValidationError(field, "is larger than %(mb)s MB", mb=f"{max_bytes / 1_048_576:.1f}")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(field, "must be a JPEG, PNG, WebP or GIF image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(field, "has too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data gave it
            image = image.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(field, "is not a readable image") from None
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image from the pixels: no exif, no icc_profile, no comments are carried over.
    bare = Image.new("RGB", image.size)
    bare.paste(image)
    bare.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return CleanPhoto(out.getvalue(), bare.width, bare.height)


def new_token():
    return secrets.token_urlsafe(18)
