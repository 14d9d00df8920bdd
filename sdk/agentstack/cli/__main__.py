"""``python -m agentstack.cli``."""

import sys

from agentstack.cli import main

sys.exit(main())
