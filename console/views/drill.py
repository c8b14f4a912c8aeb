"""Where a console's views are looking (下钻): one region inside the console's scope. Clicking a district
on the map or a tile drills the view down; Backspace or a breadcrumb goes back up, never past the
scope. The view moves; the console's scope (what it subscribes to and handles) never does. Qt-free:
the window, the map and the wall ask here and draw what it says."""

from __future__ import annotations

import re

from console.model.areas import chain, in_area, parent_of

_CODE = re.compile(r"\d{6}(?:\d{3})?")  # a district's 6 digits or a street's 9 (GB/T 2260, 统计用区划代码)


class Drill:
    """The view region of a console of `scope`, and the way back up to the scope."""

    def __init__(self, scope: str):
        if not _CODE.fullmatch(scope):
            raise ValueError(f"not a region code: {scope!r}")
        self.scope = scope
        self.current = scope

    def crumbs(self) -> list[str]:
        """The breadcrumb from the scope down to the view: ['310000', '310104', '310104003']."""
        path = chain(self.current)
        return path[path.index(self.scope):]

    def can_go_up(self) -> bool:
        return self.current != self.scope

    def drill_to(self, code: str) -> bool:
        """Look at `code` (a click on the map, a tile or a crumb). False, and nothing moves, when the code
        is malformed, outside the scope (a district console cannot look at another district or the
        city) or already the view."""
        if not isinstance(code, str) or not _CODE.fullmatch(code) or not in_area(code, self.scope):
            return False
        if code == self.current:
            return False
        self.current = code
        return True

    def up(self) -> bool:
        """One level up (Backspace); False at the scope."""
        if not self.can_go_up():
            return False
        self.current = parent_of(self.current) or self.scope
        return True
