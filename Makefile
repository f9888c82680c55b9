# The two commands of the README. Both set everything up first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lint bench clean

FAULT ?= button-obscured

setup:
	@bash scripts/setup.sh

# kmdiag exits 1 when it diagnoses a cause, which is what the demo is for.
demo: setup
	@.venv/bin/kmdiag order --demo --fault $(FAULT) --evidence out/demo || [ $$? -eq 1 ]
	@echo "Open out/demo/report.html for the annotated screenshot; other faults: .venv/bin/kmdiag demo --list" 

# Two files at a time (pytest-xdist, one worker per core), then the tests that bound wall-clock time
# or load the CPU on purpose, alone (the `serial` marker, tests/conftest.py). Exit 5 = none selected.
test: setup
	.venv/bin/python -m pytest -q -n 2 --dist loadgroup -m "not serial"
	.venv/bin/python -m pytest -q -m serial

lint: setup
	.venv/bin/ruff check kmdiag tests benchmarks

bench: setup
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv out .pytest_cache
