"""``python -m claimcalc``: the same as the ``claimcalc`` command."""

import sys

from claimcalc.cli import main

# Guarded: worker processes re-import this module.
if __name__ == "__main__":
    sys.exit(main())
