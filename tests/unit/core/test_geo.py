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


def destination(lat, lon, distance, bearing):
    """The point `distance` metres from (lat, lon) at `bearing` radians, on the sphere."""
    d, p1, l1 = distance / 6_371_008.8, math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


@pytest.mark.parametrize("inner, outer", [(None, 2000), (None, 250_000), (60_000, 60_500), (149_000, 150_000),
                                          (0.5, 300)])
def test_ranges_hold_the_ring_and_little_of_its_bounding_box_beyond(inner, outer):
    """Points on the ring's edges, in every direction, lie in its ranges; the ranges hold few cells beyond the
    ring (a row's cells the ring reaches), not the corners of the circle's bounding box."""
    lat0, lon0 = 52.3079, 5.0417
    ranges = cell_ranges(lat0, lon0, outer, inner_m=inner)
    for i in range(3600):
        bearing = 2 * math.pi * i / 3600
        for r in (inner or 0, (outer + (inner or 0)) / 2, outer):
            lat, lon = destination(lat0, lon0, r, bearing)
            if (inner or 0) < distance_m(lat0, lon0, lat, lon) <= outer:
                cell = cell_of(lat, lon)
                assert any(lo <= cell <= hi for lo, hi in ranges), (r, bearing)
    ring_km2 = math.pi * (outer ** 2 - (inner or 0) ** 2) / 1e6
    cell_km2 = (0.01 * 111.2) * (0.01 * 111.2 * math.cos(math.radians(lat0)))
    rows = len({lo // 100_000 for lo, _ in ranges})
    cells = sum(hi - lo + 1 for lo, hi in ranges)
    assert cells <= ring_km2 / cell_km2 * 1.2 + 8 * rows  # and the cells its edges cross (a row is 1.1 km high)
