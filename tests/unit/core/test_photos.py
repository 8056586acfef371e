"""Photos are checked, resized and stripped of metadata before any channel sees them."""
import io

import pytest
from PIL import Image

from core.errors import ValidationError
from core.photos import clean_photo
from tests.publish_support import jpeg_with_gps


def test_a_phone_photo_is_resized_and_loses_its_exif():
    """A 1600x1200 JPEG with camera and GPS data comes out 1200 wide, as a JPEG without any EXIF."""
    photo = clean_photo(jpeg_with_gps(), 10_000_000, 1200)
    image = Image.open(io.BytesIO(photo.data))
    assert (image.format, image.size) == ("JPEG", (1200, 900))
    assert not image.getexif() and "icc_profile" not in image.info and b"PhoneMaker" not in photo.data


def test_png_with_transparency_becomes_a_jpeg():
    """Other accepted types are converted to one plain JPEG."""
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, "PNG")
    photo = clean_photo(out.getvalue(), 10_000_000, 1200)
    assert (photo.width, photo.height, photo.mime_type) == (300, 200, "image/jpeg")


@pytest.mark.parametrize("data, reason", [
    (b"", "is empty"), (b"%PDF-1.4 not an image", "is not a readable image"),
    (b"x" * 2_000_001, "is larger than"),
])
def test_what_is_not_a_photo_is_refused_naming_the_field(data, reason):
    """Empty, non-image and oversized uploads are a ValidationError on the given field."""
    with pytest.raises(ValidationError) as caught:
        clean_photo(data, 2_000_000, 1200, field="photos[0]")
    assert caught.value.field == "photos[0]" and caught.value.reason.startswith(reason)


def test_a_bmp_is_not_an_accepted_type():
    """Only JPEG, PNG, WebP and GIF are accepted."""
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    with pytest.raises(ValidationError, match="must be a JPEG"):
        clean_photo(out.getvalue(), 10_000_000, 1200)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """A small file that would unpack to 100 megapixels is refused by its header."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    with pytest.raises(ValidationError, match="too many pixels"):
        clean_photo(out.getvalue(), 10_000_000, 1200)
