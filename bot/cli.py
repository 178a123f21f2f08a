"""`python -m bot <command>`: the one command line for running, asking, training and checking."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.app import PROJECT, build_services, nlu_client, rasa_bin, resolve, setup_logging
from bot.settings import ConfigurationError, Settings, load_settings
from guides.issues import ContentError
from nlu.server import RasaStartError

logger = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="Telegram when TELEGRAM_BOT_TOKEN is set, else the console")
    commands.add_parser("console", help="chat in this terminal")
    ask = commands.add_parser("ask", help="answer JSON lines from stdin (evaluation interface)")
    ask.add_argument("--jsonl", action="store_true", required=True)
    train = commands.add_parser("train", help="train the NLU model when its data changed")
    train.add_argument("--force", action="store_true")
    content = commands.add_parser("content", help="content tools for editors")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate content/ and show coverage")
    check.add_argument("--json", action="store_true")
    check.add_argument("--stale-days", type=int, default=None)
    content_commands.add_parser("schema", help="write the JSON Schemas under content/schema")
    report = commands.add_parser("report", help="impact report for city staff (HTML + charts)")
    report.add_argument("--since", default="30d", help="30d, 4w or a date (default: 30d)")
    report.add_argument("--out", default="report", help="output folder (default: report/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    try:
        if args.command == "content":
            from guides.check import check_command, write_schemas

            if args.content_command == "schema":
                write_schemas(resolve(settings, settings.content_dir) / "schema")
                return 0
            return check_command(resolve(settings, settings.content_dir), args.json,
                                 args.stale_days or settings.stale_after_days)
        if args.command == "train":
            return _train(settings, args.force)
        if args.command == "report":
            from pathlib import Path

            from bot.report import report_command

            return report_command(settings, args.since, Path(args.out))
        return asyncio.run(_serve(settings, args.command))
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    except ContentError as error:
        print("The content has errors; fix them and try again:", file=sys.stderr)
        for issue in error.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    except RasaStartError as error:
        print(f"Cannot start the language understanding: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _train(settings: Settings, force: bool) -> int:
    from guides.loader import load_content
    from nlu.training import train

    content, _ = load_content(resolve(settings, settings.content_dir))
    model = train(content, PROJECT, rasa_bin(settings), resolve(settings, settings.models_dir),
                  force)
    verb = "Trained" if model.trained_now else "Up to date:"
    print(f"{verb} {model.path.name} ({model.seconds:.0f} s training)")
    return 0


async def _serve(settings: Settings, command: str) -> int:
    if command == "run" and settings.telegram_bot_token is not None:
        from bot.telegram.runner import run_telegram

        async with nlu_client(settings) as nlu:
            await run_telegram(build_services(settings, nlu))
        return 0
    async with nlu_client(settings) as nlu:
        services = build_services(settings, nlu)
        watcher = asyncio.create_task(services.content.watch(settings.content_reload_seconds))
        try:
            if command == "ask":
                from bot.ask import ask_jsonl

                await ask_jsonl(services.pipeline)
            else:
                from bot.console import Console
                from bot.conversation import Person
                from storage import user_key

                person = Person(user_key(settings.user_key_secret_value(), "console", "local"))
                await Console(services.conversations, person).run()
        finally:
            watcher.cancel()
            await services.conversations.close()
            services.db.dispose()
    return 0
