"""``python -m bot`` is ``schedops run`` (or any schedops subcommand given after it), kept for the Procfile
and deployments that start the bot this way."""

import sys

from schedops.cli import main

sys.exit(main(sys.argv[1:] or ["run"]))
