"""Start the 园区问答 web app: Gradio chat at /, embeddable widget at /embed + /widget.js, HTTP API at /api.

    python app.py                       # http://127.0.0.1:7860 (BOT_HOST / BOT_PORT to change)

The index is built from the corpus on the first run. A user-fixable problem (e.g. a corrupt index) is printed
as one line with how to fix it, and the exit status is 2.
"""

from __future__ import annotations

import sys


def main() -> None:
    from bot.errors import BotError
    from bot.settings import Settings
    from bot.web import serve

    try:
        serve(Settings())
    except BotError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
