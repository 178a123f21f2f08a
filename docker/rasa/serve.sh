#!/bin/sh
# The `rasa` service: serve the newest verified model on the compose network, JWT required
# (the bot signs its requests with RASA_TOKEN). Never published to the host.
set -eu
. "$(dirname "$0")/common.sh"
: "${RASA_TOKEN:?RASA_TOKEN is required (the JWT secret shared with the bot)}"

model=""
for candidate in $(ls -t "$MODELS"/nlu-*.tar.gz 2>/dev/null); do
  if verified "$candidate"; then model=$candidate; break; fi
  echo "Skipping $(basename "$candidate"): no matching sha256 record" >&2
done
[ -n "$model" ] || { echo "No verified model in $MODELS: run the train service" >&2; exit 1; }
echo "Serving $(basename "$model")"
exec rasa run --enable-api -i "${RASA_LISTEN:-0.0.0.0}" -p "${RASA_PORT:-5005}" \
  --model "$model" --jwt-secret "$RASA_TOKEN" --jwt-method HS256
