"""Distances and the grid cover of a circle."""
import math
import random

import pytest

from core.geo import cell_of, cell_ranges, check_point, distance_m
from core.errors import ValidationError


def test_distance_amsterdam_rotterdam():
    """Haversine distance between Amsterdam and Rotterdam centres is about 57 km."""
    assert 56_000 < distance_m(52.3728, 4.8936, 51.9225, 4.4792) < 58_500


@pytest.mark.parametrize("radius", [50, 1000, 2000, 15_000, 50_000])
def test_cell_ranges_cover_every_point_in_the_circle(radius):
    """Every point inside the circle falls in one of the cell ranges the index query reads."""
    rng = random.Random(radius)
    lat0, lon0 = 52.3728, 4.8936
    ranges = cell_ranges(lat0, lon0, radius)
    for _ in range(2000):
        r = radius * math.sqrt(rng.random())
        bearing = rng.random() * 2 * math.pi
        lat = lat0 + math.degrees(r * math.cos(bearing) / 6_371_008.8)
        lon = lon0 + math.degrees(r * math.sin(bearing) / (6_371_008.8 * math.cos(math.radians(lat0))))
        if distance_m(lat0, lon0, lat, lon) <= radius:
            cell = cell_of(lat, lon)
            assert any(lo <= cell <= hi for lo, hi in ranges)


@pytest.mark.parametrize("lat, lon, field", [(91, 5, "x.lat"), (-90.5, 5, "x.lat"), (52, 181, "x.lon"),
                                             (float("nan"), 5, "x.lat"), ("a", 5, "x")])
def test_check_point_rejects_out_of_range(lat, lon, field):
    """Coordinates outside the globe or not numbers are refused, naming the field."""
    with pytest.raises(ValidationError) as info:
        check_point(lat, lon, "x")
    assert info.value.field == field


@pytest.mark.parametrize("inner, outer", [(300, 1200), (1000, 2000), (5000, 40_000), (2000, 2100)])
def test_ring_cell_ranges_cover_the_ring_and_skip_the_inside(inner, outer):
    """A ring's ranges hold every point between the two circles and fewer cells than the whole circle's."""
    rng = random.Random(inner)
    lat0, lon0 = 52.3728, 4.8936
    ranges = cell_ranges(lat0, lon0, outer, inner_m=inner)
    for _ in range(3000):
        r = inner + (outer - inner) * rng.random()
        bearing = rng.random() * 2 * math.pi
        lat = lat0 + math.degrees(r * math.cos(bearing) / 6_371_008.8)
        lon = lon0 + math.degrees(r * math.sin(bearing) / (6_371_008.8 * math.cos(math.radians(lat0))))
        if inner < distance_m(lat0, lon0, lat, lon) <= outer:
            cell = cell_of(lat, lon)
            assert any(lo <= cell <= hi for lo, hi in ranges)
    cells = sum(hi - lo + 1 for lo, hi in ranges)
    assert cells < sum(hi - lo + 1 for lo, hi in cell_ranges(lat0, lon0, outer)) or inner < 1000
