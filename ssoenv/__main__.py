"""`python -m ssoenv` runs the command-line interface."""

import sys

from ssoenv.cli import main

sys.exit(main())
