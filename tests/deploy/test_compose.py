"""docker-compose.yml, the Dockerfile and .dockerignore: valid for docker-compose, a health
check and a restart policy on every service, no secret with a default or baked into an image,
Rasa never published to the host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import PROJECT
from bot.metrics import Metrics
from tests.deploy.conftest import COMPOSE_FILE, REQUIRED, compose_config

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|KEY", re.IGNORECASE)
LONG_RUNNING = {"db", "rasa", "bot"}
ONE_SHOT = {"prepare", "train"}


def test_docker_compose_validates_the_file(env_file: Path) -> None:
    result = compose_config(env_file, "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_each_secret(env_file: Path, missing: str) -> None:
    lines = env_file.read_text().splitlines()
    env_file.write_text("".join(f"{line}\n" for line in lines
                                if not line.startswith(f"{missing}=")))
    result = compose_config(env_file, "-q")
    assert result.returncode != 0
    assert missing in result.stderr


def test_an_empty_secret_is_refused_too(env_file: Path) -> None:
    env_file.write_text(env_file.read_text().replace("RASA_TOKEN=test-rasa-jwt-secret",
                                                     "RASA_TOKEN="))
    result = compose_config(env_file, "-q")
    assert result.returncode != 0 and "RASA_TOKEN" in result.stderr


def test_the_services_are_the_documented_ones(resolved: dict[str, Any]) -> None:
    assert set(resolved["services"]) == LONG_RUNNING | ONE_SHOT
    assert set(resolved["volumes"]) == {"pgdata", "models"}


def test_every_long_running_service_has_a_health_check_and_restarts(
        resolved: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        service = resolved["services"][name]
        check = service.get("healthcheck", {})
        assert check.get("test") and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert not check.get("disable"), name
        assert {"interval", "timeout", "retries"} <= set(check), name
        assert service["restart"] == "unless-stopped", name


def test_one_shot_jobs_run_once_before_rasa(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name  # unless-stopped would loop a job
        # A job that exits has nothing to probe: its check is declared off, not forgotten.
        assert services[name]["healthcheck"]["test"] == ["NONE"], name
    assert services["train"]["depends_on"] == {
        "prepare": {"condition": "service_completed_successfully"}}
    assert services["rasa"]["depends_on"] == {
        "train": {"condition": "service_completed_successfully"}}
    assert services["bot"]["depends_on"] == {"db": {"condition": "service_healthy"},
                                             "rasa": {"condition": "service_healthy"}}


def test_rasa_and_the_database_are_not_published(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ("rasa", "db", "train", "prepare"):
        assert "ports" not in services[name], name
    [published] = services["bot"]["ports"]
    assert str(published).startswith("127.0.0.1:8080:8080")  # loopback unless asked otherwise


def test_rasa_runs_the_official_image_with_the_api_behind_a_jwt(
        resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ("rasa", "train"):
        assert services[name]["image"] == "rasa/rasa:3.6.21-full"
    serve = (PROJECT / "docker" / "rasa" / "serve.sh").read_text()
    assert "--enable-api" in serve and "--jwt-secret" in serve and "--auth-token" not in serve
    assert services["rasa"]["environment"]["RASA_TOKEN"] == REQUIRED["RASA_TOKEN"]
    assert services["bot"]["environment"]["RASA_URL"] == "http://rasa:5005"
    assert services["bot"]["environment"]["RASA_TOKEN"] == REQUIRED["RASA_TOKEN"]


def test_the_bot_runs_in_webhook_mode_on_postgresql(resolved: dict[str, Any]) -> None:
    env = resolved["services"]["bot"]["environment"]
    assert env["TELEGRAM_MODE"] == "webhook"
    assert env["WEBHOOK_SECRET"] == REQUIRED["WEBHOOK_SECRET"]
    password = REQUIRED["POSTGRES_PASSWORD"]
    assert env["DATABASE_URL"] == f"postgresql+psycopg://arrival:{password}@db:5432/arrival"
    assert resolved["services"]["db"]["volumes"][0].startswith("pgdata:/var/lib/postgresql/data")


def test_bot_replicas_can_publish_a_port_range(env_file: Path) -> None:
    result = compose_config(env_file, extra_env={"BOT_PORTS": "127.0.0.1:8080-8083"})
    assert result.returncode == 0, result.stderr
    ports = yaml.safe_load(result.stdout)["services"]["bot"]["ports"]
    assert [str(port) for port in ports] == ["127.0.0.1:8080-8083:8080/tcp"]


def _variables(value: Any) -> list[str]:
    return re.findall(r"\$\{[^}]*\}", str(value))


def test_no_secret_has_a_default_or_a_literal_value() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    secrets_seen = set()
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            for variable in _variables(value):
                inner = variable[2:-1]
                if SECRET_NAME.search(re.split(r"[:?\-]", inner)[0]):
                    secrets_seen.add(inner.split(":")[0])
                    assert ":?" in inner, f"{name}.{key}: {variable} must be required"
            if SECRET_NAME.search(key):
                assert _variables(value), f"{name}.{key} has a literal value"
    assert secrets_seen == set(REQUIRED) - {"WEBHOOK_URL"}
    text = COMPOSE_FILE.read_text()
    for secret in secrets_seen:
        assert not re.search(rf"\$\{{{secret}:?-", text), secret  # no ${SECRET:-default}


def test_the_image_bakes_in_no_secret_and_runs_as_a_user() -> None:
    dockerfile = (PROJECT / "Dockerfile").read_text()
    final = dockerfile[dockerfile.rindex("\nFROM "):]
    for line in final.splitlines():
        if line.startswith(("ENV", "ARG", "    ")):
            assert not re.search(r"(TOKEN|SECRET|PASSWORD)\s*=", line), line
    users = [line.split()[1] for line in final.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "apt-get" not in final and "gcc" not in final  # no build tools in the final image
    assert "--only-binary=:all:" in dockerfile


def test_dockerignore_keeps_secrets_and_data_out_of_the_build() -> None:
    lines = [line.strip() for line in (PROJECT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*"  # everything is excluded, then the code is let back in
    allowed = [line[1:] for line in lines if line.startswith("!")]
    for private in (".env", "var", "models", ".venv", ".venv-rasa", ".git", "tests"):
        assert not any(entry.rstrip("/") == private or entry.startswith(private + "/")
                       for entry in allowed), private
    dockerfile = (PROJECT / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for source in copied.split():
            assert any(source == entry.rstrip("/") or source == entry for entry in allowed), \
                f"{source} is copied but excluded by .dockerignore"


def test_env_example_names_every_variable_the_compose_file_reads() -> None:
    example = (PROJECT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    used = {re.split(r"[:?\-}]", variable[2:])[0]
            for variable in _variables(yaml.safe_load(COMPOSE_FILE.read_text()))}
    assert used - documented == set()


def _deploy_section() -> str:
    readme = (PROJECT / "README.md").read_text()
    start = readme.index("## Deploy (docker compose)")
    end = readme.find("\n## ", start + 1)
    return readme[start:] if end == -1 else readme[start:end]


def test_the_readme_deploy_section_covers_every_operation() -> None:
    section = _deploy_section()
    for heading in ("### 1. Configure", "### 2. Start", "### 3. Put HTTPS in front",
                    "### Health and metrics", "### Update content (live)",
                    "### Retrain after content changes", "### Back up PostgreSQL",
                    "### Rotate secrets", "### Scale"):
        assert heading in section, heading
    for secret in REQUIRED:
        assert f"`{secret}`" in section, secret


def test_the_readme_names_only_real_services_and_metrics() -> None:
    section = _deploy_section()
    services = set(yaml.safe_load(COMPOSE_FILE.read_text())["services"])
    named = set(re.findall(r"docker compose (?:run --rm --no-deps|restart|exec -T|exec|stop|"
                           r"start) (\w+)", section))
    named |= {name for line in re.findall(r"docker compose up -d ([\w ]+)", section)
              for name in line.split()}
    assert named and named <= services, named - services
    exported = set(re.findall(r"^# TYPE (\S+) ", Metrics().render().decode(), re.MULTILINE))
    documented = set(re.findall(r"`(arrival_[a-z_]+)", section))
    documented.discard("arrival_process_")
    assert documented and documented <= exported, documented - exported


def test_every_setting_in_env_example_reaches_the_bot_container(
        resolved: dict[str, Any]) -> None:
    """A setting added to .env.example must be passed to the bot, or it silently does nothing
    in production."""
    example = (PROJECT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    compose_only = {"POSTGRES_PASSWORD", "BOT_PORTS", "CONTENT_PATH"}
    passed = set(resolved["services"]["bot"]["environment"])
    assert documented - compose_only - passed == set()


def test_the_bot_accepts_the_environment_compose_gives_it(resolved: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """The resolved environment (optional settings left empty in .env) through the image's
    entry point is a valid configuration in webhook mode on PostgreSQL."""
    env = {name: str(value) for name, value in resolved["services"]["bot"]["environment"].items()}
    env |= {"PATH": os.environ["PATH"], "PYTHONPATH": str(PROJECT)}
    shown = subprocess.run(
        ["sh", str(PROJECT / "docker" / "entrypoint.sh"), sys.executable, "-c",
         "from bot.settings import load_settings; s = load_settings(); "
         "print(s.telegram_mode, s.database_url.split('@')[1], s.rasa_url, "
         "s.caseworker_chat_id, s.default_language, s.retention_days)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["webhook", "db:5432/arrival", "http://rasa:5005", "None",
                                    "en", "30"]
