.PHONY: chat test lint eval bench
# Set up .venv/ and start the chat on the bundled corpus (the index is built on first run).
chat:
	scripts/setup.sh
	.venv/bin/python app.py

# Set up .venv/ with test tools (and Chromium) and run every test.
test:
	scripts/setup.sh --test
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check bot tests
	.venv/bin/mypy bot

eval:
	.venv/bin/bot eval evals/dev.jsonl --out reports/dev.json --html reports/dev.html

bench:
	.venv/bin/bot bench
