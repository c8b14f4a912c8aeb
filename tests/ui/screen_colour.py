"""Reading what a view shows: how many pixels of a colour lie in a box of its rendered picture."""

from PySide6.QtGui import QColor


def colour_in(view, box: dict, colour: QColor, tolerance: int) -> int:
    """Pixels within `tolerance` (the sum of the channels' differences) of `colour` inside `box` (left, top,
    right, bottom in the view's pixels; clipped to the picture), in the picture the view rendered."""
    img = view.grab().toImage()
    n = 0
    for y in range(max(0, int(box["top"])), min(img.height(), int(box["bottom"]))):
        for x in range(max(0, int(box["left"])), min(img.width(), int(box["right"]))):
            c = img.pixelColor(x, y)
            off = abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue())
            n += off < tolerance
    return n
