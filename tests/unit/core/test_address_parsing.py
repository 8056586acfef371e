"""Addresses as people type them, and RD coordinates as the BAG gives them: parsed, checked, converted."""
import pytest

from core.address_input import AddressQuery, parse_house, parse_line, parse_postcode, query_from_parts, split_suffix
from core.errors import ValidationError
from core.geo import distance_m
from core.rijksdriehoek import rd_to_wgs84

# RD New -> WGS84 as PROJ 9 computes it (EPSG:28992 -> EPSG:4326, the Amersfoort to WGS 84 Helmert
# transformation, itself good to about a metre): Amsterdam, Weesp, Groningen, Zeeland, Limburg.
PROJ_REFERENCE = [
    ((121_600, 487_500), (52.37435667587417, 4.896730771287147)),
    ((130_900, 480_300), (52.31013373201161, 5.0338121670003435)),
    ((233_000, 582_000), (53.218924980988895, 6.554962892878658)),
    ((13_000, 380_000), (51.391284390781976, 3.346860224355731)),
    ((190_000, 320_000), (50.86874208714368, 5.884373769075903)),
]


def test_amersfoort_origin_is_exact():
    """The RD origin (155000, 463000) is the Onze Lieve Vrouwetoren of Amersfoort, by definition."""
    assert rd_to_wgs84(155_000, 463_000) == (52.15517440, 5.38720621)


@pytest.mark.parametrize("rd, wgs84", PROJ_REFERENCE)
def test_rd_to_wgs84_agrees_with_proj_within_a_metre(rd, wgs84):
    """Across the whole country the series lands within a metre of PROJ's transformation."""
    lat, lon = rd_to_wgs84(*rd)
    assert distance_m(lat, lon, *wgs84) < 1.0


def test_rd_outside_the_grid_is_refused_naming_the_axis():
    """A coordinate outside the RD domain (a swapped x and y, degrees instead of metres) is refused."""
    with pytest.raises(ValidationError) as exc:
        rd_to_wgs84(487_500, 121_600)
    assert exc.value.field == "rd.x"
    with pytest.raises(ValidationError) as exc:
        rd_to_wgs84(5.03, 52.31)
    assert exc.value.field == "rd.y"


@pytest.mark.parametrize("typed, expected", [
    ("1012 LG", "1012LG"), ("1012lg", "1012LG"), (" 1381 bb ", "1381BB")])
def test_postcode_is_normalised(typed, expected):
    assert parse_postcode(typed, "home.postcode") == expected


@pytest.mark.parametrize("typed", ["0123AB", "12345", "1012 L", "1012SS", "1012 sa", "AB1012", "1012-LG"])
def test_a_malformed_postcode_names_the_field(typed):
    with pytest.raises(ValidationError) as exc:
        parse_postcode(typed, "home.postcode")
    assert exc.value.field == "home.postcode"


@pytest.mark.parametrize("typed, expected", [
    ("12", (12, "", "")), ("12A", (12, "A", "")), ("12 a", (12, "A", "")), ("12-2", (12, "", "2")),
    ("12A-2", (12, "A", "2")), ("12 bis", (12, "", "BIS")), ("12-III", (12, "", "III")), (7, (7, "", ""))])
def test_house_number_with_letter_and_addition(typed, expected):
    assert parse_house(typed, field="home.house_number") == expected


@pytest.mark.parametrize("typed", ["abc", "0", "100000", "12A-toolong", "-3", "1.5", True])
def test_a_malformed_house_number_names_the_field(typed):
    with pytest.raises(ValidationError) as exc:
        parse_house(typed, field="home.house_number")
    assert exc.value.field == "home.house_number"


def test_a_letter_typed_twice_is_refused():
    """"12A" in the number box and "B" as the letter: which one is meant is not guessed."""
    with pytest.raises(ValidationError) as exc:
        parse_house("12A", "B", field="work.house_number")
    assert exc.value.field == "work.house_number"


@pytest.mark.parametrize("typed, expected", [("A", ("A", "")), ("2", ("", "2")), ("A-2", ("A", "2")),
                                             ("bis", ("", "BIS")), ("", ("", ""))])
def test_the_forms_one_toevoeging_box(typed, expected):
    assert split_suffix(typed, "home.addition") == expected


@pytest.mark.parametrize("line, expected", [
    ("Damrak 1, Amsterdam", AddressQuery(1, street="Damrak", city="Amsterdam")),
    ("Damrak 1A Amsterdam", AddressQuery(1, street="Damrak", city="Amsterdam", house_letter="A")),
    ("Plein 1944 12, Nijmegen", AddressQuery(12, street="Plein 1944", city="Nijmegen")),
    ("'s-Gravendijkwal 3 Rotterdam", AddressQuery(3, street="'s-Gravendijkwal", city="Rotterdam")),
    ("1012 LG 1", AddressQuery(1, postcode="1012LG")),
    ("1012lg 12A-2", AddressQuery(12, postcode="1012LG", house_letter="A", addition="2")),
    ("Damrak 1, 1012 LG Amsterdam", AddressQuery(1, postcode="1012LG")),
])
def test_one_line_addresses(line, expected):
    assert parse_line(line, "area.address") == expected


@pytest.mark.parametrize("line", ["Amsterdam", "Damrak, Amsterdam", "1012 LG", "12", "Damrak 1"])
def test_a_line_that_is_no_address_names_the_field(line):
    with pytest.raises(ValidationError) as exc:
        parse_line(line, "area.address")
    assert exc.value.field == "area.address"


def test_structured_parts_need_a_house_number_and_a_place():
    """Postcode without number, or a street without place, is refused naming what is missing."""
    assert query_from_parts({"lat": 52.1}, "home") is None
    with pytest.raises(ValidationError) as exc:
        query_from_parts({"postcode": "1012LG"}, "home")
    assert exc.value.field == "home.house_number"
    with pytest.raises(ValidationError) as exc:
        query_from_parts({"street": "Damrak", "house_number": "1"}, "home")
    assert exc.value.field == "home.city"
    assert query_from_parts({"postcode": "1012 lg", "house_number": "3", "house_letter": "b"}, "home") == \
        AddressQuery(3, postcode="1012LG", house_letter="B")


def test_an_abbreviated_street_is_also_looked_up_written_out():
    from core.address_input import fold, street_keys
    assert street_keys("Pr. Hendrikkade") == (fold("Pr. Hendrikkade"), fold("Prins Hendrikkade"))
    assert street_keys("Burg.de Vlugtlaan")[-1] == fold("Burgemeester de Vlugtlaan")
    assert street_keys("Laan v. Meerdervoort")[-1] == fold("Laan van Meerdervoort")
    assert street_keys("Stationsweg") == (fold("Stationsweg"),)  # no dot, no abbreviation
