"""`python -m ssoenv` runs the command-line interface."""

import sys

from ssoenv.main import main

sys.exit(main())
