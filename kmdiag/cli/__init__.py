"""The command line: the only place where exceptions become exit codes."""
