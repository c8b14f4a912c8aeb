"""Every frame kept: the recording file (write, read, keyframes), retention, replay as a Source,
time-shift of the live city, and export. Qt-free."""
