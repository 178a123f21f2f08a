#!/bin/sh
# One-shot `train` service: train the NLU model for the data the `prepare` service compiled,
# unless a verified model for exactly that data and config exists; keep the three newest.
set -eu
. "$(dirname "$0")/common.sh"

train="$MODELS/train"
[ -f "$train/fingerprint" ] || { echo "No training data in $train: run the prepare service first" >&2; exit 1; }
fp=$(tr -d '[:space:]' < "$train/fingerprint")
model="$MODELS/nlu-$fp.tar.gz"
if verified "$model"; then
  touch "$model"  # the newest verified model is the one served
  echo "Up to date: nlu-$fp"
  exit 0
fi
echo "Training nlu-$fp (about a minute)..."
rasa train nlu --config "$train/config.yml" --nlu "$train/data" --out "$MODELS" \
  --fixed-model-name "nlu-$fp" --quiet
sha256sum "$model" | cut -d ' ' -f 1 > "$MODELS/nlu-$fp.sha256.tmp"
mv "$MODELS/nlu-$fp.sha256.tmp" "$MODELS/nlu-$fp.sha256"
ls -t "$MODELS"/nlu-*.tar.gz | tail -n +4 | while read -r old; do
  rm -f "$old" "${old%.tar.gz}.sha256" "${old%.tar.gz}.json"
done
echo "Trained nlu-$fp"
