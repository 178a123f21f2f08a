# syntax=docker/dockerfile:1
# The bot's image: the Telegram channel, the pipeline, the content tools. Rasa runs in its own
# container (the official rasa/rasa image) and PostgreSQL in another: see docker-compose.yml.
# No secret is ever built in: configuration comes from the environment at run time.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml requirements/bot.lock ./
# The runtime dependencies of pyproject.toml at the versions of the lock (no test or lint
# tools), as wheels only: nothing is compiled, so the image needs no compiler.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --only-binary=:all: -r runtime.txt -c bot.lock

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    RASA_TELEMETRY_ENABLED=false \
    TELEGRAM_MODE=webhook \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8080 \
    VAR_DIR=/app/var
# uid 1001 like the Rasa image's user: both write the shared models volume (/models here).
RUN groupadd --system --gid 1001 arrival \
 && useradd --system --uid 1001 --gid arrival --home-dir /app/var --shell /usr/sbin/nologin arrival \
 && install -d -o arrival -g arrival -m 0755 /app/var /models
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code stays root-owned: the bot can read it, not change it.
COPY config.yml ./
COPY actions ./actions
COPY bot ./bot
COPY guides ./guides
COPY nlu ./nlu
COPY storage ./storage
COPY content ./content
COPY docker/entrypoint.sh docker/healthcheck.py docker/prepare_training.py ./docker/
RUN python -m compileall -q actions bot guides nlu storage
USER arrival
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "docker/healthcheck.py"]
ENTRYPOINT ["sh", "docker/entrypoint.sh"]
CMD ["python", "-m", "bot", "run"]
