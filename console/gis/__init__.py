"""The map's geography, Qt-free: the site's GIS layers read from its files (GeoJSON, GeoPackage,
Shapefile) with pyogrio and shapely, checked, converted to WGS-84 and simplified per zoom, cached on disk;
the GCJ-02 transform; the schematic street cells. Imports nothing else of the console."""
