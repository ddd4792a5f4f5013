"""``python -m gateway_app``: the ``gateway`` command."""

import sys

from gateway_app.cli import main

sys.exit(main())
