"""The exit codes of every `fhir-adapter` command; each has one meaning and is never reused."""

EXIT_OK = 0  # everything asked for was done
EXIT_SOME_FAILED = 1  # some records failed (or had errors); the others were still done
EXIT_USAGE = 2  # the command line is wrong: a flag, a missing file, incomplete settings
EXIT_CANNOT_PROCEED = 3  # the run stopped: the server is down, or credentials every trial needs were refused
