"""``python -m bot.cli``: the ``bot`` command without the installed console script."""

from . import main

if __name__ == "__main__":
    main()
