"""The fixed screens of a conversation (pickers, welcome, menus, confirmations) as `Reply` values.

Pure functions of the content and a language: `Conversations` decides which one to show, the
channels decide how to draw it.
"""

from __future__ import annotations

from actions import Button, Reply
from actions.context import translated
from actions.nearby import has_services
from guides.content import Content
from guides.models import LANGUAGES

LANGUAGES_PER_ROW = 3
TOPICS_PER_ROW = 2


def _rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def city_name(content: Content, lang: str, city: str | None) -> str:
    return translated(content.city(city).city.name, lang)


def language_picker(content: Content, lang: str, hint: str | None, edit: bool = False) -> Reply:
    """Every language by its own name; the one Telegram says the person uses comes first."""
    first = (hint or "")[:2].lower()
    order = sorted(LANGUAGES, key=lambda code: code != first)
    buttons = [Button(content.text(code, "language.native_name"), f"lang:{code}")
               for code in order]
    return Reply(text=content.text(lang, "language.choose"),
                 buttons=_rows(buttons, LANGUAGES_PER_ROW), edit=edit)


def city_picker(content: Content, lang: str, edit: bool = False) -> Reply:
    rows = tuple((Button(city_name(content, lang, cid), f"city:{cid}"),)
                 for cid in content.cities)
    return Reply(text=content.text(lang, "city.choose"), buttons=rows, edit=edit)


def welcome(content: Content, lang: str, city: str | None, edit: bool = False) -> Reply:
    """What the bot does, what it keeps (two lines, with /privacy), and how to ask."""
    text = "\n\n".join([content.text(lang, "onboarding.welcome",
                                     city=city_name(content, lang, city)),
                        content.text(lang, "onboarding.privacy"),
                        content.text(lang, "onboarding.ask")])
    return Reply(text=text, buttons=((Button(content.text(lang, "button.menu"), "menu"),),),
                 edit=edit)


def confirmation(content: Content, lang: str, key: str, **values: object) -> Reply:
    """A short "done" message that replaces the picker it answers, with the menu below."""
    return Reply(text=content.text(lang, key, **values), edit=True,
                 buttons=((Button(content.text(lang, "button.menu"), "menu"),),))


def menu(content: Content, lang: str, city: str | None, edit: bool = False) -> Reply:
    """The topics of the person's city, then services near me and a person."""
    pack = content.city(city)
    buttons = [Button(content.text(lang, f"topic.{topic}"), f"topic:{topic}")
               for topic in pack.topics()]
    last: tuple[Button, ...] = (Button(content.text(lang, "button.human"), "human"),)
    if has_services(pack, None):
        last = (Button(content.text(lang, "button.near"), "near:"), *last)
    return Reply(text=content.text(lang, "menu.title"),
                 buttons=(*_rows(buttons, TOPICS_PER_ROW), last), edit=edit)


def topic_menu(content: Content, lang: str, city: str | None, topic: str) -> Reply:
    """The entries of one topic, services near me for it, and a way back to the topics."""
    pack = content.city(city)
    rows = [(Button(translated(entry.title, lang), f"entry:{entry.id}"),)
            for entry in pack.entries_for(topic)]
    last: tuple[Button, ...] = (Button(content.text(lang, "button.back"), "menu:back"),)
    if has_services(pack, topic):
        last = (Button(content.text(lang, "button.near"), f"near:{topic}"), *last)
    return Reply(text=content.text(lang, "menu.topic", topic=content.text(lang, f"topic.{topic}")),
                 buttons=(*rows, last), edit=True)


def forget_confirmation(content: Content, lang: str) -> Reply:
    return Reply(text=content.text(lang, "forget.confirm"),
                 buttons=((Button(content.text(lang, "button.yes_forget"), "forget:yes"),
                           Button(content.text(lang, "button.cancel"), "forget:no")),))


def unsupported(content: Content, lang: str) -> Reply:
    """Voice, photos, stickers, files: what the bot understands, and a person."""
    return Reply(text=content.text(lang, "notice.unsupported"),
                 buttons=((Button(content.text(lang, "button.human"), "human"),
                           Button(content.text(lang, "button.menu"), "menu")),))


def feedback_thanks(content: Content, lang: str, up: bool) -> Reply:
    if up:
        return Reply(text=content.text(lang, "feedback.thanks"))
    return Reply(text=content.text(lang, "feedback.sorry"),
                 buttons=((Button(content.text(lang, "button.human"), "human"),
                           Button(content.text(lang, "button.menu"), "menu")),))
