"""What never leaves the process in the clear: tokens and passwords in any log line, citizens' phone and
ID numbers in logs, exports and reports. The lowest layer: everything may use it, it uses nothing."""
