"""The console chat: the same conversation as on Telegram, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
import sys

from actions import Button, Reply
from bot.conversation import Conversations, Person

COMMANDS = ("/start", "/menu", "/language", "/human", "/privacy", "/forget", "/help", "/quit")


class Console:
    def __init__(self, conversations: Conversations, person: Person) -> None:
        self.conversations = conversations
        self.person = person
        self.choices: list[Button] = []

    def show(self, replies: list[Reply] | tuple[Reply, ...]) -> None:
        self.choices = []
        for reply in replies:
            print()
            print(reply.plain())
            for row in reply.buttons:
                for button in row:
                    self.choices.append(button)
                    print(f"  [{len(self.choices)}] {button.label}")
        sys.stdout.flush()

    async def handle(self, line: str) -> bool:
        """Handle one typed line; False when the person wants to quit."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            action = self.choices[int(line) - 1].action
            self.show(await self.conversations.press(self.person, action))
        elif line == "/start":
            self.show(await self.conversations.start(self.person))
        elif line in ("/menu", "/language", "/human"):
            action = {"/menu": "menu", "/language": "lang:?", "/human": "human"}[line]
            if action == "lang:?":
                settings = await self.conversations.settings(self.person)
                self.show([self.conversations.language_picker(settings.lang or "en", None)])
            else:
                self.show(await self.conversations.press(self.person, action))
        elif line == "/forget":
            print(await self.conversations.forget(self.person))
        elif line in ("/help", "/privacy"):
            settings = await self.conversations.settings(self.person)
            content = self.conversations.pipeline.content.current
            key = "help.text" if line == "/help" else "privacy.text"
            print(content.text(settings.lang or "en", key, days=30))
        elif line:
            outcome = await self.conversations.text(self.person, line)
            self.show(outcome.replies)
        return True

    async def run(self) -> None:
        print("Arrival console chat. Type a question, a number to choose, or /quit. "
              "Commands: " + " ".join(COMMANDS))
        self.show(await self.conversations.start(self.person))
        while True:
            print("\n> ", end="", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:  # end of input
                break
            if not await self.handle(line):
                break
