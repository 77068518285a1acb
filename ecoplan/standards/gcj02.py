"""WGS84/CGCS2000 ↔ GCJ-02 ("火星坐标") for base maps published in GCJ-02.

The registries store WGS84/CGCS2000 longitude and latitude (the two differ by centimetres, far
below a map's scale). Base maps of Chinese web-map vendors are published in GCJ-02, the offset
datum of the 2002 national surveying rules for public electronic maps; their tiles need the
points shifted before they are drawn. Tianditu (国家地理信息公共服务平台) serves CGCS2000 and
needs no shift. The shift is the publicly documented polynomial on the Krasovsky ellipsoid
(a = 6 378 245 m, e² = 0.006 693 421 622 965 943 23); the inverse is solved by fixed-point
iteration to better than 1e-7°. Outside China's bounding box nothing is shifted.
"""

from __future__ import annotations

import math

A = 6_378_245.0
EE = 0.00669342162296594323


def outside_china(lon: float, lat: float) -> bool:
    """Whether the point lies outside the box in which GCJ-02 applies (no shift there)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _polynomial(x: float, y: float) -> tuple[float, float]:
    """The two shift polynomials (metres-like units) at x = lon − 105, y = lat − 35."""
    waves = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
             + 0.2 * math.sqrt(abs(x)) + waves
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0))
             * 2 / 3)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + waves
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi))
             * 2 / 3)
    return d_lon, d_lat


def _offset(lon: float, lat: float) -> tuple[float, float]:
    d_lon, d_lat = _polynomial(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = d_lat * 180.0 / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = d_lon * 180.0 / (A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84/CGCS2000 (lon, lat) → GCJ-02 (lon, lat); unchanged outside China."""
    if outside_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance: float = 1e-9) -> tuple[float, float]:
    """GCJ-02 (lon, lat) → WGS84 (lon, lat) by iteration (|error| < 1e-7° after a few steps)."""
    if outside_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if max(abs(e_lon), abs(e_lat)) < tolerance:
            break
    return w_lon, w_lat
