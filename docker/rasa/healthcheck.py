"""Docker health check of a Rasa container: `GET /status` with a JWT signed by RASA_TOKEN
answers 200 and names a loaded model. Runs on the Rasa image's own Python (PyJWT is a Rasa
dependency)."""

import json
import os
import sys
import time
import urllib.request

import jwt


def main() -> int:
    payload = {"user": {"username": "healthcheck", "role": "admin"}, "exp": int(time.time()) + 60}
    token = jwt.encode(payload, os.environ["RASA_TOKEN"], algorithm="HS256")
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}/status",
        headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            model = json.load(response).get("model_file")
    except (OSError, ValueError) as error:
        print(f"Rasa is not answering: {type(error).__name__}")
        return 1
    print(f"model: {model}" if model else "no model loaded")
    return 0 if model else 1


if __name__ == "__main__":
    sys.exit(main())
