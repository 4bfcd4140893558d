"""园区问答 — question answering over news articles about 乐山高新区, with cited passages.

Public surface::

    from bot import Settings, Bot, Answer
    bot = Bot.open(Settings(), build_if_missing=True)
    print(bot.ask("海创尚纬的注册资本是多少?").answer)

Importing this package does no work: no config is read and no model is loaded until you ask.
"""

from .errors import BotError, InputError
from .schema import Answer, Citation, Passage
from .service import Bot
from .settings import Settings

__all__ = ["Answer", "Bot", "BotError", "Citation", "InputError", "Passage", "Settings"]
