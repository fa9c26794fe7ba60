"""`python -m fhir_adapter ...`: the `fhir-adapter` command, for hosts where the script is not on PATH."""

import sys

from fhir_adapter.cli import main

sys.exit(main())
