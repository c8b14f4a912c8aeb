"""Real systems in: bridges that turn what other systems publish (CAP 1.2 warnings from the upper
level, MQTT sensor readings through nats-server's own MQTT listener) into the city stream's incidents
and readings. Qt-free; each bridge runs as its own process (`cityops bridge cap|mqtt`)."""
