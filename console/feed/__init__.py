"""The wire: the cityops.feed/1 contract (protocol, frames), the decoder that never raises, the one
Source interface and its live WebSocket client, feed health, and the server side of a client
connection (a sans-I/O session and its WebSocket server). Qt-free; imports nothing above it."""
