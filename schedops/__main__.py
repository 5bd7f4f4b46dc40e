"""``python -m schedops`` is the ``schedops`` command."""

import sys

from schedops.cli import main

sys.exit(main(sys.argv[1:]))
