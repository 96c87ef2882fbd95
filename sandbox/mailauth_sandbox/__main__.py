"""``python -m mailauth_sandbox run SCENARIO [--json]``."""

import sys

from .cli import main

sys.exit(main())
