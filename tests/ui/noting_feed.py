"""A feed source that only notes what the window asks of it (hold, release), for the drill's tests."""

from console.feed.source import Source


class NotingFeed(Source):
    def __init__(self, at_release=None):
        super().__init__()
        self.calls: list[tuple] = []
        self._at_release = at_release  # what else to note when released (e.g. whether a view was drawn)

    async def start(self):
        pass

    async def stop(self):
        pass

    def health(self):
        return []

    def hold(self, max_s):
        self.calls.append(("hold", max_s))

    def release(self):
        self.calls.append(("release",) if self._at_release is None else ("release", self._at_release()))
