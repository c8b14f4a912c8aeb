"""The built-in simulated Shanghai: a city model and a `cityops.feed/1` WebSocket server over it."""
