"""园区问答 — question answering over news articles about a high-tech park, with cited passages.

Which park is data: the articles in ``corpus/`` and the site profile ``corpus/site.toml``.

Public surface::

    from bot import Settings, Bot, Answer
    bot = Bot.open(Settings(), build_if_missing=True)
    print(bot.ask("园区去年的产值有多大?").answer)

Importing this package does no work: no config is read and no model is loaded until you ask.
"""

from .errors import BotError, InputError
from .schema import Answer, Citation, Passage
from .service import Bot
from .settings import Settings

__all__ = ["Answer", "Bot", "BotError", "Citation", "InputError", "Passage", "Settings"]
