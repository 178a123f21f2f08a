"""`python -m bot report` on a database filled by a scripted conversation through the real
pipeline and Rasa: the page and its charts come out, with what people asked and nothing of them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import PROJECT
from bot.conversation import Conversations, Person
from bot.pipeline import Pipeline
from bot.report.build import CHART_FILES
from guides.store import ContentStore
from nlu.client import RasaClient
from nlu.server import LocalRasaServer
from storage import Database
from storage.reports import unanswered_questions
from storage.tickets import claim, close, open_ticket
from tests.report.page_check import check_page
from tests.storage.scan import rows_containing

SCRIPT = {
    "uk": ["Де купити квиток на метро?", "Скільки коштує Deutschlandticket?",
           "Мене звати Оксана, чи можна взяти собаку в гуртожиток? +49 151 2345678"],
    "ar": ["أين أجد طبيبا؟", "كيف أسجل عنواني؟", "ما هو الطقس غدا"],
    "en": ["How do I apply for asylum?", "I need a place to sleep tonight",
           "who won the football match yesterday"],
    "fa": ["کجا می توانم کلاس زبان آلمانی پیدا کنم؟", "به وکیل نیاز دارم"],
}


async def play(conversations: Conversations, db: Database) -> int:
    """Each person picks a language, asks, votes on the answers, and some ask for a person."""
    opened = 0
    for n, (lang, questions) in enumerate(SCRIPT.items()):
        person = Person(f"scripted-{lang}", lang)
        await conversations.start(person)
        await conversations.press(person, f"lang:{lang}")
        for i, question in enumerate(questions):
            outcome = await conversations.text(person, question)
            if outcome.entry:
                vote = "down" if (n + i) % 3 == 0 else "up"
                await conversations.press(person, f"fb:{vote}:{outcome.entry}")
        if n % 2 == 0:
            await conversations.press(person, "human")
            now = dt.datetime.now(dt.UTC)
            ticket = open_ticket(db, person.key, 1000 + n, lang, "berlin", "services.housing",
                                 now=now - dt.timedelta(minutes=40))
            claim(db, ticket.id, now=now - dt.timedelta(minutes=30 - n))
            close(db, ticket.id, now=now)
            opened += 1
    await conversations.close()  # as every channel does when it stops: write pending counts
    return opened


@pytest.mark.rasa
async def test_report_command_writes_the_page_and_charts(
        database_url: str, content_store: ContentStore, rasa_server: LocalRasaServer,
        tmp_path: Path) -> None:
    db = Database(database_url)
    db.migrate()
    client = RasaClient(rasa_server.url, rasa_server.secret, 10.0)
    try:
        opened = await play(Conversations(Pipeline(content_store, client), db), db)
        questions = unanswered_questions(db, dt.date.today() - dt.timedelta(days=1))
        assert rows_containing(db, "Оксана", "2345678") == []  # text is kept only scrubbed
    finally:
        await client.aclose()
        db.dispose()
    assert questions, "the script has questions the bot cannot answer"

    out = tmp_path / "report"
    env = {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "var"),
           "TELEGRAM_BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--since", "30d", "--out",
                          str(out)], cwd=PROJECT, env=env, capture_output=True, text=True,
                         timeout=120, check=False)

    assert run.returncode == 0, run.stderr
    assert "Wrote" in run.stdout and "4 chart(s)" in run.stdout
    assert {p.name for p in out.iterdir()} == {"index.html", *CHART_FILES}
    text = check_page(out / "index.html")
    assert f"{opened} requests" in text
    for question in questions:  # what the bot could not answer, as stored (scrubbed)
        assert " ".join(question.text.split()) in text
    for secret in ("Оксана", "2345678", "scripted-"):
        assert secret not in (out / "index.html").read_text(encoding="utf-8")


def test_report_command_explains_a_bad_since(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/a.db",
           "VAR_DIR": str(tmp_path / "var"), "TELEGRAM_BOT_TOKEN": ""}
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--since", "last month",
                          "--out", str(tmp_path / "r")], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2
    assert "use 30d, 4w or a date" in run.stderr
