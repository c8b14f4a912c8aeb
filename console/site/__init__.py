"""The site's settings around the console: the TOML configuration, the standard places for files,
the rotating program log, version and diagnostics. Qt-free; used by the app and the UI alike."""
