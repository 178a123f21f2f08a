"""All configuration, read once from the environment (and an optional `.env`) into one object."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guides.models import LANGUAGES

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class ConfigurationError(Exception):
    """The configuration is invalid; the message names each bad variable and why."""


class Settings(BaseSettings):
    """Everything the bot can be configured with. Each field maps to an upper-case variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather; without it the console chat opens."
    )
    telegram_base_url: str = Field(
        default=DEFAULT_TELEGRAM_BASE_URL, description="Bot API base URL (an emulator in tests)."
    )
    telegram_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL Telegram posts to.")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    telegram_messages_per_second: float = Field(
        default=30, ge=0, description="Messages a second the bot sends in all chats together "
                                      "(Telegram's broadcast limit is about 30; 0 = no limit).")

    rasa_url: str | None = Field(
        default=None, description="A running Rasa server; unset = start a local one."
    )
    rasa_token: SecretStr | None = Field(default=None, description="JWT secret of that server.")
    rasa_timeout: float = Field(default=3.0, gt=0, le=60)
    rasa_cache_size: int = Field(
        default=4096, ge=0, description="Parses of recent messages reused for the same text "
                                        "(kept by a keyed hash, never the text); 0 = off.")
    rasa_python: str | None = Field(default=None, description="Interpreter of Rasa's venv.")
    models_dir: Path = Path("models")

    database_url: str = "sqlite:///var/arrival.db"
    content_dir: Path = Path("content")
    content_reload_seconds: float = Field(default=3.0, gt=0)
    caseworker_chat_id: int | None = None
    caseworker_language: str | None = Field(
        default=None, description="Language of cards and notices in the caseworker group "
                                  "(default: DEFAULT_LANGUAGE).")
    handoff_reannounce_minutes: float = Field(
        default=15, gt=0, description="Unclaimed requests are announced again this often.")
    handoff_expected_wait_minutes: int = Field(
        default=30, ge=1, description="Waiting time told to people until enough is measured.")
    handoff_group_per_minute: int = Field(
        default=20, ge=1, le=60, description="Messages a minute to the caseworker group.")
    # Per-person flood protection (bot/telegram/flood.py), before the language understanding.
    flood_burst: int = Field(
        default=8, ge=1, description="Messages a person may send at once before the bot "
                                     "holds back.")
    flood_refill_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="After a burst, one message per this many "
                                                "seconds is answered.")
    user_key_secret: SecretStr | None = Field(
        default=None,
        description="Secret for pseudonymous user keys; generated under var/ if unset.",
    )
    default_language: str = "en"
    default_city: str = "berlin"
    retention_days: int = Field(default=30, ge=1)
    stale_after_days: int = Field(default=365, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    var_dir: Path = Path("var")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, token: SecretStr | None) -> SecretStr | None:
        if token is None or not token.get_secret_value():
            return None
        value = token.get_secret_value()
        if ":" not in value or not value.split(":", 1)[0].isdigit():
            raise ValueError("must look like 123456:ABC-DEF… (the token @BotFather gave you)")
        return token

    @field_validator("telegram_base_url", "rasa_url", "webhook_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None or url == "":
            return None
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, lang: str) -> str:
        if lang not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return lang

    @field_validator("caseworker_language")
    @classmethod
    def _known_or_unset(cls, lang: str | None) -> str | None:
        return cls._known_language(lang) if lang else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is None or not secret.get_secret_value():
            return None
        value = secret.get_secret_value()
        if not (1 <= len(value) <= 256) or not all(c.isalnum() or c in "_-" for c in value):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return secret

    def user_key_secret_value(self) -> bytes:
        """The secret for pseudonymous user keys, created once under var/ when not configured."""
        if self.user_key_secret is not None:
            return self.user_key_secret.get_secret_value().encode()
        path = self.var_dir / "user_key.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's errors into one message an operator can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
            lines.append(f"  {name}: {problem['msg']}")
        raise ConfigurationError(
            "Invalid configuration (see .env.example):\n" + "\n".join(lines)
        ) from None
