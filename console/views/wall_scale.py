"""How big things must be on the wall to be read from across the room.

Character height follows the display-ergonomics rule of thumb (ISO 9241-303): text should subtend
about 20–22 arc-minutes at the eye, never less than 16. So sizes are physical (millimetres on the
glass, from the viewing distance) and only then turned into pixels with the screen's real density:
the same wall looks the same on a 1080p and a 4K panel of the same size. When the panel is too small
for the distance, everything shrinks together until the layout fits, and the shortfall is reported."""

from __future__ import annotations

import math
from dataclasses import dataclass

BODY_ARCMIN = 20.0  # incident titles, the view's name, banners
SMALL_ARCMIN = 16.0  # captions and secondary lines: the legible minimum, never smaller
VALUE_ARCMIN = 42.0  # the headline numbers: the first thing the eye finds
GLYPH_EM = 0.8  # a CJK glyph (or a Latin capital) is ~0.8 of the font's pixel size


def char_height_mm(distance_m: float, arcmin: float) -> float:
    return 2.0 * distance_m * 1000.0 * math.tan(math.radians(arcmin / 60.0) / 2.0)


@dataclass(frozen=True, slots=True)
class WallScale:
    px_per_mm: float
    body_px: int  # font pixel sizes
    small_px: int
    value_px: int
    pad_px: int
    shrink: float  # 1.0 when the panel is big enough for the distance; < 1 when text had to shrink
    distance_m: float

    @property
    def readable(self) -> bool:
        return self.shrink >= 0.999

    def describe(self) -> str:
        return (f"{self.px_per_mm:.2f} px/mm, body {self.body_px}px, value {self.value_px}px at {self.distance_m:g} m"
                + ("" if self.readable else f", shrunk to {self.shrink:.0%} to fit this panel"))


def wall_scale(width_px: int, height_px: int, width_mm: float, distance_m: float = 5.0,
               rows_needed: float = 14.0) -> WallScale:
    """Sizes for a wall `width_px` × `height_px` whose glass is `width_mm` wide, read from `distance_m`.

    `rows_needed` is how many body-text lines the layout stacks vertically (headline, incident rows,
    banners); if they would not fit the panel's height, every size shrinks by the same factor."""
    px_per_mm = width_px / max(width_mm, 1.0)
    body = char_height_mm(distance_m, BODY_ARCMIN) / GLYPH_EM * px_per_mm
    small = char_height_mm(distance_m, SMALL_ARCMIN) / GLYPH_EM * px_per_mm
    value = char_height_mm(distance_m, VALUE_ARCMIN) / GLYPH_EM * px_per_mm
    line = 1.35  # line height over font size
    fit = height_px / (rows_needed * body * line)
    shrink = min(1.0, fit)
    return WallScale(px_per_mm, max(10, round(body * shrink)), max(9, round(small * shrink)),
                     max(14, round(value * shrink)), max(4, round(body * shrink * 0.3)), shrink, distance_m)


def panel_width_mm(diagonal_in: float, width_px: int, height_px: int) -> float:
    """The glass width of a panel of this diagonal and pixel aspect (square pixels)."""
    d = math.hypot(width_px, height_px)
    return diagonal_in * 25.4 * width_px / d
