# The two commands of the README. Both set everything up first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lint bench clean

FAULT ?= button-obscured

setup:
	@bash scripts/setup.sh

# kmdiag exits 1 when it diagnoses a cause, which is what the demo is for.
demo: setup
	@.venv/bin/kmdiag order --demo --fault $(FAULT) --evidence out/demo || [ $$? -eq 1 ]
	@echo "Open out/demo/report.html for the annotated screenshot; other faults: .venv/bin/kmdiag demo --list" 

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check kmdiag tests benchmarks

bench: setup
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv out .pytest_cache
