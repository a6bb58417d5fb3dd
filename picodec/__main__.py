"""``python -m picodec``: the picodec command, where its script is not on the PATH."""

import sys

from picodec.cli import main

sys.exit(main())
