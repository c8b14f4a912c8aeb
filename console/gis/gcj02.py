"""GCJ-02 ("Mars" coordinates, China's mandated obfuscation of WGS-84) to and from WGS-84.

The forward transform is the one published and reimplemented widely (e.g. eviltransform): an offset of up
to a few hundred metres from two trigonometric series on the Krasovsky ellipsoid. It has no closed
inverse; `gcj_to_wgs` inverts it by fixed-point iteration (each round takes the forward transform of the
guess and corrects by the miss), well under a metre after a few rounds. Outside China's rough box the
transform is the identity, as published. Works on numbers or numpy arrays (lon, lat in degrees).
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0  # the Krasovsky 1940 semi-major axis GCJ-02 is defined on
_EE = 0.00669342162296594323  # its first eccentricity squared


def _d_lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r = r + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r = r + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    return r + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0


def _d_lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r = r + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r = r + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    return r + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0


def in_china(lon, lat):
    """The published transform's box: outside it GCJ-02 equals WGS-84."""
    lon, lat = np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def wgs_to_gcj(lon, lat):
    """WGS-84 -> GCJ-02: (lon, lat) of the same shape as the input."""
    lon, lat = np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")
    dlat, dlon = _d_lat(lon - 105.0, lat - 35.0), _d_lon(lon - 105.0, lat - 35.0)
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj_to_wgs(lon, lat, rounds: int = 6):
    """GCJ-02 -> WGS-84 by fixed-point iteration on the forward transform."""
    lon, lat = np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")
    wlon, wlat = lon, lat
    for _ in range(rounds):
        glon, glat = wgs_to_gcj(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


def gcj_to_wgs_xy(coords: np.ndarray) -> np.ndarray:
    """An (n, 2) array of GCJ-02 lon/lat to WGS-84, in the form shapely.transform hands over."""
    lon, lat = gcj_to_wgs(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])
