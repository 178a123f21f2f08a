"""While the database is down nothing can be stored, so updates wait at Telegram (the inbox does
not confirm them) and are answered once it is back. Meanwhile each person who writes is told,
once per outage, that their message is not lost — in their Telegram language, because their
chosen one is in the database."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, Update
from telegram.error import TelegramError

from guides.store import ContentStore

logger = logging.getLogger(__name__)
MAX_TOLD = 10_000  # chats remembered per outage (ids only); beyond that nobody more is told


class WaitNotice:
    """Tells each private chat once per outage that its messages will be answered later."""

    def __init__(self, bot: Bot, content: ContentStore, default_lang: str,
                 max_told: int = MAX_TOLD) -> None:
        self.bot, self.content, self.default_lang = bot, content, default_lang
        self.max_told = max_told
        self._told: set[int] = set()

    async def tell(self, updates: Sequence[Update]) -> None:
        """The database could not take these updates: tell whoever has not heard yet."""
        for update in updates:
            chat, user = update.effective_chat, update.effective_user
            if chat is None or user is None or chat.type != "private" or chat.id in self._told \
                    or len(self._told) >= self.max_told:
                continue
            self._told.add(chat.id)
            code = (user.language_code or "")[:2]
            lang = code if code in self.content.current.ui else self.default_lang
            try:
                await self.bot.send_message(chat.id, self.content.current.text(
                    lang, "notice.answer_later"))
            except TelegramError as error:
                logger.warning("Could not send the outage notice (%s)", type(error).__name__)

    def over(self) -> None:
        """The database took updates again: a next outage tells everyone anew."""
        self._told.clear()
