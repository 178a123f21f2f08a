# Shared by train.sh and serve.sh (run in the official Rasa image, sourced with `.`).
# MODELS: the shared models volume; a model is loaded only when its sha256 matches the record
# written beside it by our own training (as `make train` and nlu/server.py do: CVE-2024-49375
# is code execution through a crafted model).
MODELS=${ARRIVAL_MODELS:-/app/models}
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1

verified() {
  record="${1%.tar.gz}.sha256"
  [ -f "$1" ] && [ -f "$record" ] \
    && [ "$(sha256sum "$1" | cut -d ' ' -f 1)" = "$(tr -d '[:space:]' < "$record")" ]
}
