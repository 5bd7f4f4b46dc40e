"""``python -m bot`` is ``schedops run`` (or any schedops subcommand given after it)."""

import sys

from bot.cli import main

sys.exit(main(sys.argv[1:] or ["run"]))
