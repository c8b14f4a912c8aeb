"""The bundle's entry point: the same `cityops` command the pip install gives."""

import sys

from console.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
