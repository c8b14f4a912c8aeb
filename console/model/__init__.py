"""The console's picture of the city, Qt-free: catalog, latest values and bounded histories, the
incident book, the clock. Fed by `ingest` from any Source; read by views, rules and the UI."""
