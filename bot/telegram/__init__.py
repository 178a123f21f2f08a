"""The Telegram channel: python-telegram-bot handlers that translate to and from `Reply`."""
