# The two commands of the README. Both set everything up first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lint bench clean

FAULT ?= button-obscured

setup:
	@bash scripts/setup.sh

demo: setup
	-.venv/bin/kmdiag order --demo --fault $(FAULT) --evidence out/demo

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check kmdiag tests benchmarks

bench: setup
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv out .pytest_cache
