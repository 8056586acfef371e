"""Rijksdriehoek (RD New, EPSG:28992) coordinates to WGS84 latitude and longitude.

The BAG gives every address its position in RD metres. The conversion is the polynomial approximation
of Schreutelkamp and Strang van Hees (Geodesia 2001), the one Dutch government sites publish for
this: a series in the offsets from the Amersfoort origin, accurate to about a metre inside the
RD domain. That is far below what an alert circle or a house's position needs; the exact
transformation (RDNAPTRANS with its correction grid) is not worth a projection library here.
"""
from .errors import ValidationError

X0, Y0 = 155_000.0, 463_000.0  # the Amersfoort origin, in RD metres
LAT0, LON0 = 52.15517440, 5.38720621  # the same point in WGS84 degrees

# (p, q, coefficient): latitude and longitude offsets in arc seconds are
# sum(coefficient * dx**p * dy**q) with dx, dy the offsets from the origin in units of 100 km.
_LAT_TERMS = ((0, 1, 3235.65389), (2, 0, -32.58297), (0, 2, -0.24750), (2, 1, -0.84978), (0, 3, -0.06550),
              (2, 2, -0.01709), (1, 0, -0.00738), (4, 0, 0.00530), (2, 3, -0.00039), (4, 1, 0.00033),
              (1, 1, -0.00012))
_LON_TERMS = ((1, 0, 5260.52916), (1, 1, 105.94684), (1, 2, 2.45656), (3, 0, -0.81885), (1, 3, 0.05594),
              (3, 1, -0.05607), (0, 1, 0.01199), (3, 2, -0.00256), (1, 4, 0.00128), (0, 2, 0.00022),
              (2, 0, -0.00022), (5, 0, 0.00026))

# The RD grid's valid domain (the Netherlands and a margin): x 0..300 km, y 289..629 km.
X_RANGE, Y_RANGE = (-7_000.0, 300_000.0), (289_000.0, 629_000.0)


def rd_to_wgs84(x, y, field="rd"):
    """(lat, lon) in degrees of an RD point in metres; ValidationError when it lies outside the RD domain."""
    if not (X_RANGE[0] <= x <= X_RANGE[1]):
        raise ValidationError(f"{field}.x", "must be an RD x coordinate in metres (%(low)s to %(high)s)",
                              low=f"{X_RANGE[0]:.0f}", high=f"{X_RANGE[1]:.0f}")
    if not (Y_RANGE[0] <= y <= Y_RANGE[1]):
        raise ValidationError(f"{field}.y", "must be an RD y coordinate in metres (%(low)s to %(high)s)",
                              low=f"{Y_RANGE[0]:.0f}", high=f"{Y_RANGE[1]:.0f}")
    dx, dy = (x - X0) * 1e-5, (y - Y0) * 1e-5
    lat = LAT0 + sum(c * dx ** p * dy ** q for p, q, c in _LAT_TERMS) / 3600.0
    lon = LON0 + sum(c * dx ** p * dy ** q for p, q, c in _LON_TERMS) / 3600.0
    return lat, lon
