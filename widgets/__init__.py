"""Reusable Qt widgets of CityOps Console. A widget draws what it is handed; it opens no socket or file."""
