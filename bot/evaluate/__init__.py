"""Evaluation of the bot on a JSONL question set (``bot eval``).

Modules (imported only when used):

- :mod:`.dataset`       load and validate the question file (line-numbered errors)
- :mod:`.metrics`       per-item checks and aggregate metrics (pure functions)
- :mod:`.runner`        ask every question through :meth:`bot.Bot.ask` and build the report dict
- :mod:`.report_html`   one self-contained HTML page from a report
- :mod:`.compare`       difference between two reports
- :mod:`.ragas_export`  RAGAS-style JSONL (question, answer, contexts, ground_truth)

The metric definitions are written out in ``docs/evaluation.md``.
"""
