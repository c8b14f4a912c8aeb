"""The bundle's entry point: the same `cityops` command the pip install gives."""

import multiprocessing
import sys

from console.app.cli import main

if __name__ == "__main__":
    # a site GIS layer's first read runs in a spawned child (console/gis/layer_worker.py): in a frozen
    # bundle that child is this executable again, and this call makes it run the read, not the console
    multiprocessing.freeze_support()
    sys.exit(main())
