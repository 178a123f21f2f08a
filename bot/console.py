"""The console chat: the same conversation as on Telegram, buttons shown as numbered choices.

A typed district stands in for a shared location ("services near me")."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TextIO

from actions import Button, Reply
from actions.nearby import LOCATION_ACTION
from bot.conversation import Conversations, Person

COMMANDS = ("/start", "/menu", "/language", "/city", "/human", "/privacy", "/forget", "/help",
            "/quit")


class Console:
    def __init__(self, conversations: Conversations, person: Person,
                 out: TextIO | None = None) -> None:
        self.conversations = conversations
        self.person = person
        self.out = out or sys.stdout
        self.choices: list[Button] = []
        talk = conversations
        self.commands: dict[str, Callable[[Person], Awaitable[list[Reply]]]] = {
            "/start": talk.start,
            "/menu": lambda who: talk.press(who, "menu"),
            "/language": talk.choose_language,
            "/city": talk.choose_city,
            "/human": lambda who: talk.press(who, "human"),
            "/privacy": talk.privacy,
            "/forget": talk.forget_confirm,
            "/help": talk.help,
        }

    def show(self, replies: Sequence[Reply]) -> None:
        """Print the replies; their buttons become the numbered choices."""
        self.choices = []
        for reply in replies:
            print(file=self.out)
            print(reply.plain(), file=self.out)
            for row in reply.buttons:
                for button in row:
                    if button.action == LOCATION_ACTION:  # a location cannot be typed here
                        continue
                    self.choices.append(button)
                    print(f"  [{len(self.choices)}] {button.label}", file=self.out)
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Handle one typed line; False when the person wants to quit."""
        line = line.strip()
        command, _, payload = line.partition(" ")
        if command in ("/quit", "/exit"):
            return False
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            action = self.choices[int(line) - 1].action
            self.show(await self.conversations.press(self.person, action))
        elif command == "/start":
            self.show(await self.conversations.start(self.person, payload or None))
        elif command in self.commands:
            self.show(await self.commands[command](self.person))
        elif command.startswith("/"):
            self.show(await self.conversations.help(self.person))
        elif line:
            outcome = await self.conversations.text(self.person, line)
            self.show(outcome.replies)
        return True

    async def run(self) -> None:
        print("Arrival console chat. Type a question, a number to choose, or /quit. "
              "Commands: " + " ".join(COMMANDS), file=self.out)
        self.show(await self.conversations.start(self.person))
        while True:
            print("\n> ", end="", file=self.out, flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:  # end of input
                break
            if not await self.handle(line):
                break
