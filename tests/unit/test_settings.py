"""Settings come from the environment and bad values get messages an operator can act on."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_TELEGRAM_BASE_URL, ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "RASA_URL", "RASA_TOKEN", "DATABASE_URL",
                 "TELEGRAM_BASE_URL", "WEBHOOK_SECRET", "DEFAULT_LANGUAGE",
                 "TELEGRAM_MESSAGES_PER_SECOND", "RASA_CACHE_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no .env from the working copy


def test_defaults_open_the_console_with_sqlite() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == DEFAULT_TELEGRAM_BASE_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.rasa_url is None
    assert settings.telegram_messages_per_second == 30  # Telegram's limit for most bots
    assert settings.rasa_cache_size > 0


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9000/bot/")
    monkeypatch.setenv("CASEWORKER_CHAT_ID", "-100123")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@localhost/arrival")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:ABC"
    assert settings.telegram_base_url == "http://127.0.0.1:9000/bot"
    assert settings.caseworker_chat_id == -100123
    assert settings.database_url == "postgresql+psycopg://u:p@localhost/arrival"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN: Value error, must look like"),
    ("RASA_URL", "localhost:5005", "RASA_URL: Value error, must start with http://"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL: Value error, must start with sqlite:///"),
    ("DEFAULT_LANGUAGE", "xx", "DEFAULT_LANGUAGE: Value error, must be one of en, de"),
    ("WEBHOOK_SECRET", "has spaces!", "WEBHOOK_SECRET: Value error, 1-256 characters"),
    ("RASA_TIMEOUT", "soon", "RASA_TIMEOUT: Input should be a valid number"),
    ("TELEGRAM_MESSAGES_PER_SECOND", "-1", "TELEGRAM_MESSAGES_PER_SECOND: Input should be "
                                           "greater than or equal to 0"),
    ("RASA_CACHE_SIZE", "lots", "RASA_CACHE_SIZE: Input should be a valid integer"),
])
def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str,
                                          value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert expected in str(error.value)
    assert value not in str(error.value) or name != "TELEGRAM_BOT_TOKEN"


def test_user_key_secret_is_created_once(tmp_path: object) -> None:
    from pathlib import Path

    settings = load_settings(var_dir=Path(str(tmp_path)) / "var")
    first = settings.user_key_secret_value()
    assert len(first) == 64
    assert settings.user_key_secret_value() == first
    assert (Path(str(tmp_path)) / "var" / "user_key.secret").stat().st_mode & 0o077 == 0
