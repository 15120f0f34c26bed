"""`python -m scalarnet`: the same as the `scalarnet` command."""

import sys

from .cli import main

sys.exit(main())
