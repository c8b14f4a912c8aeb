"""The Qt side of the console: the application, the main window and the adapters that turn CityState
changes into Qt signals and models. The only part of `console/` that imports Qt."""
