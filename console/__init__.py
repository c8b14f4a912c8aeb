"""CityOps Console (城运态势台): a situational-awareness console for a city operations centre."""

__version__ = "0.1.0"
