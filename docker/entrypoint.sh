#!/bin/sh
# Entry point of the bot's image. Compose passes every variable docker-compose.yml lists, set
# in .env or not: an empty value means "not configured" (the bot's default applies) instead of
# an invalid empty number such as CASEWORKER_CHAT_ID="".
set -eu
for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=$/\1/p'); do
  unset "$name"
done
exec "$@"
