"""Open the LiangHua workstation (same as `lianghua gui`)."""

import sys

from lianghua_app.cli import main

if __name__ == "__main__":
    sys.exit(main(["gui", *sys.argv[1:]]))
