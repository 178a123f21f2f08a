"""The scripts the containers run, run here without Docker: the bot image's entry point and
training-data step, and the Rasa image's train, serve and health-check scripts (with a stand-in
`rasa` command where training or serving would take minutes; the health check against the real
Rasa server)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import PROJECT
from nlu.server import LocalRasaServer, free_port
from nlu.training import latest_model, verify_model

DOCKER = PROJECT / "docker"
RASA_PYTHON = PROJECT / ".venv-rasa" / "bin" / "python"
# Stands in for `rasa` in the Rasa image: records its arguments; `train` writes a model file.
FAKE_RASA = """#!/bin/sh
echo "$@" >> "$FAKE_RASA_LOG"
if [ "$1" = train ]; then
  while [ $# -gt 0 ]; do
    case $1 in --out) out=$2;; --fixed-model-name) name=$2;; esac
    shift
  done
  printf 'model %s' "$name" > "$out/$name.tar.gz"
fi
"""


@pytest.fixture
def fake_rasa(tmp_path: Path) -> dict[str, str]:
    """An environment whose `rasa` is the stand-in; its calls go to `rasa.log`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "rasa"
    script.write_text(FAKE_RASA)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    models = tmp_path / "models"
    models.mkdir()
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_RASA_LOG": str(tmp_path / "rasa.log"),
            "ARRIVAL_MODELS": str(models), "HOME": str(tmp_path)}


def rasa_calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_RASA_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def run_script(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(DOCKER / "rasa" / name)], env=env, capture_output=True,
                          text=True, timeout=60)


def prepare(out: Path) -> str:
    result = subprocess.run([sys.executable, str(DOCKER / "prepare_training.py"), "--out",
                             str(out)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CONTENT_DIR": "content"})
    assert result.returncode == 0, result.stderr
    return (out / "fingerprint").read_text().strip()


def fake_model(models: Path, name: str, verified: bool, age: float) -> Path:
    model = models / f"{name}.tar.gz"
    model.write_bytes(name.encode())
    if verified:
        (models / f"{name}.sha256").write_text(hashlib.sha256(name.encode()).hexdigest() + "\n")
    moment = time.time() - age
    os.utime(model, (moment, moment))
    return model


def test_the_entrypoint_treats_empty_variables_as_unset() -> None:
    env = {**os.environ, "CASEWORKER_CHAT_ID": "", "LOG_LEVEL": "WARNING"}
    shown = subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), sys.executable, "-c",
         "from bot.settings import load_settings; s = load_settings(); "
         "print(s.caseworker_chat_id, s.log_level)"],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["None", "WARNING"]


def test_prepare_writes_the_data_config_and_fingerprint_for_the_train_job(
        tmp_path: Path, fake_rasa: dict[str, str]) -> None:
    models = Path(fake_rasa["ARRIVAL_MODELS"])
    fp = prepare(models / "train")
    assert (models / "train" / "config.yml").read_bytes() == (PROJECT / "config.yml").read_bytes()
    assert (models / "train" / "data" / "content.yml").exists()
    # The same fingerprint as `make train` computes for the same content and config.
    assert len(fp) == 16 and prepare(tmp_path / "again") == fp

    trained = run_script("train.sh", fake_rasa)
    assert trained.returncode == 0, trained.stderr
    [call] = rasa_calls(fake_rasa)
    assert call.startswith(f"train nlu --config {models}/train/config.yml "
                           f"--nlu {models}/train/data --out {models} "
                           f"--fixed-model-name nlu-{fp}")
    model = models / f"nlu-{fp}.tar.gz"
    # What the compose job trains is what the bot's own server manager accepts.
    assert verify_model(model) and latest_model(models) == model

    again = run_script("train.sh", fake_rasa)
    assert again.returncode == 0 and f"Up to date: nlu-{fp}" in again.stdout
    assert len(rasa_calls(fake_rasa)) == 1  # not trained twice


def test_train_keeps_the_three_newest_models(fake_rasa: dict[str, str]) -> None:
    models = Path(fake_rasa["ARRIVAL_MODELS"])
    for n in range(4):
        fake_model(models, f"nlu-old{n}", verified=True, age=1000 - n)
    (models / "train").mkdir()
    (models / "train" / "fingerprint").write_text("0123456789abcdef\n")
    result = run_script("train.sh", fake_rasa)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in models.glob("nlu-*.tar.gz")) == [
        "nlu-0123456789abcdef.tar.gz", "nlu-old2.tar.gz", "nlu-old3.tar.gz"]
    assert sorted(path.name for path in models.glob("*.sha256")) == [
        "nlu-0123456789abcdef.sha256", "nlu-old2.sha256", "nlu-old3.sha256"]


def test_train_without_prepared_data_fails_and_says_why(fake_rasa: dict[str, str]) -> None:
    result = run_script("train.sh", fake_rasa)
    assert result.returncode != 0 and "prepare" in result.stderr
    assert rasa_calls(fake_rasa) == []


def test_serve_loads_the_newest_verified_model_with_a_jwt(fake_rasa: dict[str, str]) -> None:
    models = Path(fake_rasa["ARRIVAL_MODELS"])
    good = fake_model(models, "nlu-good", verified=True, age=100)
    fake_model(models, "nlu-planted", verified=False, age=0)  # newer, but no hash record
    tampered = fake_model(models, "nlu-tampered", verified=True, age=10)
    tampered.write_bytes(b"changed after training")
    env = fake_rasa | {"RASA_TOKEN": "jwt-secret-for-test"}
    result = run_script("serve.sh", env)
    assert result.returncode == 0, result.stderr
    [call] = rasa_calls(env)
    assert call == (f"run --enable-api -i 0.0.0.0 -p 5005 --model {good} "
                    "--jwt-secret jwt-secret-for-test --jwt-method HS256")
    assert "nlu-planted" in result.stderr and "nlu-tampered" in result.stderr


def test_serve_refuses_without_a_verified_model_or_a_token(fake_rasa: dict[str, str]) -> None:
    models = Path(fake_rasa["ARRIVAL_MODELS"])
    fake_model(models, "nlu-planted", verified=False, age=0)
    no_model = run_script("serve.sh", fake_rasa | {"RASA_TOKEN": "x"})
    assert no_model.returncode != 0 and "No verified model" in no_model.stderr
    fake_model(models, "nlu-good", verified=True, age=5)
    no_token = run_script("serve.sh", fake_rasa)
    assert no_token.returncode != 0 and "RASA_TOKEN" in no_token.stderr
    assert rasa_calls(fake_rasa) == []


def rasa_healthcheck(port: int, token: str) -> subprocess.CompletedProcess[str]:
    if not RASA_PYTHON.exists():
        pytest.fail("Rasa's environment is missing: run `make setup`")
    return subprocess.run([str(RASA_PYTHON), str(DOCKER / "rasa" / "healthcheck.py")],
                          env={"RASA_TOKEN": token, "RASA_PORT": str(port),
                               "PATH": os.environ["PATH"]},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.rasa
def test_the_rasa_health_check_needs_the_token_and_a_loaded_model(
        rasa_server: LocalRasaServer) -> None:
    healthy = rasa_healthcheck(rasa_server.port, rasa_server.secret)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "model: " in healthy.stdout
    assert rasa_healthcheck(rasa_server.port, "not-the-secret").returncode == 1
    assert rasa_healthcheck(free_port(), rasa_server.secret).returncode == 1


def test_the_bot_health_check_reads_healthz(tmp_path: Path) -> None:
    """docker/healthcheck.py: exit 0 on 200, 1 on 503 or no answer."""
    port = free_port()
    server = tmp_path / "server.py"
    server.write_text(
        "import http.server, sys\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        code = 200 if open(sys.argv[2]).read() == 'ok' else 503\n"
        "        self.send_response(code); self.end_headers()\n"
        "        self.wfile.write(b'{\"status\": \"x\"}')\n"
        "    def log_message(self, *a): pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n")
    state = tmp_path / "state"
    state.write_text("ok")
    child = subprocess.Popen([sys.executable, str(server), str(port), str(state)])

    def check() -> int:
        return subprocess.run([sys.executable, str(DOCKER / "healthcheck.py")],
                              env={**os.environ, "WEBHOOK_PORT": str(port)},
                              capture_output=True, timeout=30).returncode

    try:
        deadline = time.monotonic() + 10
        while check() != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert check() == 0
        state.write_text("down")
        assert check() == 1
    finally:
        child.terminate()
        child.wait(timeout=10)
    assert check() == 1


def test_the_rasa_scripts_are_posix_sh() -> None:
    for script in ("common.sh", "train.sh", "serve.sh"):
        path = DOCKER / "rasa" / script
        assert subprocess.run(["sh", "-n", str(path)]).returncode == 0, script
