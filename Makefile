# pqa — run `make` or `make help` to see the targets.
#
# Every cargo call selects the whole workspace so that features are unified
# the same way each time and datafusion is compiled once, not once per target.

CARGO ?= cargo
PQA := target/debug/pqa
# Optional cargo features, e.g. `make test FEATURES=ballista` for the
# distributed engine and its test. CI sets FEATURES=ballista for every target,
# so lint, demo and test share one build.
FEATURES ?=
FEATURE_FLAGS := $(if $(FEATURES),--features $(FEATURES),)

.DEFAULT_GOAL := help
.PHONY: help demo test lint fmt bench sample-data fixtures clean-demo

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: ## Run pqa on the bundled sample data: ingest into ./warehouse, report into ./out, draw two sample audits and write one's findings, overlay the vulnerabilities
	$(CARGO) build --workspace $(FEATURE_FLAGS)
	$(PQA) run
	$(PQA) audit draw under_twos_repeat_contacts --period 2024/25-H1 --seed 1
	$(PQA) audit draw child_protection_compliance --period 2024/25-H1 --seed 1
	$(PQA) audit report child_protection_compliance --period 2024/25-H1
	$(PQA) vulnerabilities --period 2024/25-H2

test: ## Run every test (unit, integration on the real binary, golden report)
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace $(FEATURE_FLAGS) --no-fail-fast; \
	else \
		$(CARGO) test --workspace $(FEATURE_FLAGS) --no-fail-fast; \
	fi

lint: ## Clippy with warnings as errors, and rustfmt in check mode
	$(CARGO) clippy --workspace --all-targets $(FEATURE_FLAGS) -- -D warnings
	$(CARGO) fmt --all -- --check

fmt: ## Format the code
	$(CARGO) fmt --all

bench: ## National-size benchmarks against DuckDB, memory against file size, pseudonym speed (release; see BENCHMARKS.md)
	$(CARGO) build --workspace --release --bins --examples
	bench/run.sh $(BENCH_ROWS)
	bench/memory.sh
	@echo "== pqa run on the sample data (fresh warehouse)"
	@rm -rf target/bench/sample-warehouse
	@/usr/bin/time -f "%e s, peak %M KB" ./target/release/pqa --warehouse target/bench/sample-warehouse run --no-pdf > /dev/null
	@echo "== the report printed to PDF (Chromium, twice for the contents' page numbers)"
	@/usr/bin/time -f "%e s, peak %M KB" ./target/release/pqa --warehouse target/bench/sample-warehouse report > /dev/null
	@echo "== pseudonyms: one at a time against a batch's together"
	@./target/release/examples/pseudonyms

sample-data: ## Regenerate the synthetic sample data (byte-identical unless the generator changed)
	$(CARGO) build --workspace
	target/debug/pqa-sample-gen sample-data

fixtures: ## Regenerate the test fixtures in tests/files
	$(CARGO) build --workspace
	target/debug/pqa-sample-gen --fixtures tests/files

clean-demo: ## Remove the demo's warehouse and reports
	rm -rf warehouse out
