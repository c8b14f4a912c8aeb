"""The city's feeds through NATS JetStream: publishers write samples and incidents to a stream and a
key-value bucket, stateless hubs serve `cityops.feed/1` to consoles from them (docs/deployment.md)."""
