"""Docker health check of the bot's container: GET /healthz on the webhook port, healthy only
on 200 (the database, Rasa and the content are all fine). Prints the JSON report, which
`docker inspect` shows; it holds booleans only."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('WEBHOOK_PORT', '8080')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=8) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:  # 503: a dependency is down
        print(error.read().decode())
    except OSError as error:
        print(f"no answer from {url}: {type(error).__name__}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
