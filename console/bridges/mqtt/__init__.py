"""MQTT sensors in, through nats-server's own MQTT listener (no broker of ours): device topics arrive
as NATS subjects `sensors.…`; a mapping file turns each payload into a reading `[indicator, region,
ts, value]` on the city stream. docs/integration.md says how a site writes the mapping."""
