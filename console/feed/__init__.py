"""The wire: the cityops.feed/1 contract (protocol, frames), the decoder that never raises, the one
Source interface and its live WebSocket client, feed health, and the server side's client session.
Qt-free; imports nothing above it."""
