"""What each view shows, decided without Qt: the board's tiles, the wall's views and sizes, the chart's
history and forecast, freshness, the map page, labels and incident text. Widgets only draw these."""
