"""Arrival: the Telegram bot, the console chat and the command line around the shared pipeline."""
