"""The grid cells a polygon holds wholly (core.polygons.inside_cell_ranges): a selection takes their locations
without the exact test, so not one location in them may lie outside, however near an edge or a hole."""
import random

from core.geo import CELL_DEG, ROW_STRIDE, cell_of
from core.polygons import contains, inside_cell_ranges

# Concave (a notch from the south-east), with a hole: the province of Utrecht, coarsely.
OUTER = [[52.28, 4.95], [52.25, 5.05], [52.21, 5.15], [52.23, 5.25], [52.30, 5.35], [52.28, 5.45], [52.20, 5.55],
         [52.10, 5.62], [52.00, 5.60], [51.96, 5.45], [52.08, 5.30], [51.97, 5.20], [52.00, 5.00], [52.05, 4.82],
         [52.17, 4.80], [52.25, 4.85], [52.28, 4.95]]
HOLE = [[52.10, 5.10], [52.15, 5.10], [52.15, 5.20], [52.12, 5.15], [52.10, 5.10]]
POLYGONS = [[OUTER, HOLE]]


def _in_runs(runs, cell):
    return any(first <= cell <= last for first, last in runs)


def test_every_location_in_an_inside_cell_is_inside():
    runs = inside_cell_ranges(POLYGONS, 10_000)
    # Each run's cells at their corners, edges (a hair inside) and centre: all inside the polygon.
    for first, last in runs:
        row, first_col, last_col = first // ROW_STRIDE, first % ROW_STRIDE, last % ROW_STRIDE
        for col in range(first_col, last_col + 1):
            for dy in (1e-9, 0.5, 1 - 1e-9):
                for dx in (1e-9, 0.5, 1 - 1e-9):
                    lat, lon = (row + dy) * CELL_DEG - 90.0, (col + dx) * CELL_DEG - 180.0
                    assert cell_of(lat, lon) == row * ROW_STRIDE + col
                    assert contains(POLYGONS, lat, lon), (lat, lon)
    # Random locations: none outside in a run, and the runs hold most of those inside.
    rng = random.Random(14)
    inside = covered = 0
    for _ in range(50_000):
        lat, lon = rng.uniform(51.9, 52.35), rng.uniform(4.75, 5.7)
        if _in_runs(runs, cell_of(lat, lon)):
            assert contains(POLYGONS, lat, lon), (lat, lon)
            covered += 1
        inside += contains(POLYGONS, lat, lon)
    assert covered > 0.8 * inside


def test_the_hole_and_the_notch_are_no_inside_cells():
    runs = inside_cell_ranges(POLYGONS, 10_000)
    assert not _in_runs(runs, cell_of(52.13, 5.14))  # in the hole
    assert not _in_runs(runs, cell_of(51.99, 5.33))  # in the notch
    assert _in_runs(runs, cell_of(52.09, 5.00))


def test_only_the_widest_runs_within_the_limit():
    every = inside_cell_ranges(POLYGONS, 10_000)
    widest = inside_cell_ranges(POLYGONS, 5)
    assert len(widest) == 5 and set(widest) <= set(every)
    assert min(last - first for first, last in widest) >= max(
        last - first for first, last in set(every) - set(widest))
