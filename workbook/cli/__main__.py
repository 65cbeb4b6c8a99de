"""`python -m workbook.cli` runs the command line (as `python -m workbook` does)."""

import sys

from workbook.cli import main

sys.exit(main())
