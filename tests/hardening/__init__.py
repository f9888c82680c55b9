"""Hardening: hostile targets, the run's time budget, Ctrl-C and bad input never end in a traceback."""
