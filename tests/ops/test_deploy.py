"""The deployment files: the compose file as docker compose reads it, the image recipe, the
systemd units and the environment example, kept in step with the processes and settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from importbio.ops import env_example
from importbio.settings import Settings
from tests.services.common import unavailable

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
PROCESSES = {"migrate", "intake", "worker", "scheduler", "web"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictNamespaces": "yes",
    "CapabilityBoundingSet": "",
}


def _compose_command() -> list[str]:
    """``docker compose`` when the plugin is there, else Debian's ``docker-compose`` (v1)."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is None:
        unavailable("neither `docker compose` nor `docker-compose` is installed")
    return [legacy]


def _compose(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_compose_command(), "-f", str(COMPOSE), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def _compose_config_text() -> str:
    """The compose file as the compose tool resolves it (anchors merged, YAML out)."""
    done = _compose("--profile", "dev", "config")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compose_file_is_valid() -> None:
    """`docker compose config -q` accepts the compose file."""
    done = _compose("config", "-q")
    assert done.returncode == 0, done.stderr


def test_compose_names_every_process_and_its_servers() -> None:
    """The compose file runs every importbio process, Redis, PostgreSQL and a dev mail server."""
    done = _compose("--profile", "dev", "config", "--services")
    assert done.returncode == 0, done.stderr
    services = set(done.stdout.split())
    assert services == PROCESSES | {"redis", "postgres", "mail"}


def test_compose_services_run_the_matching_command() -> None:
    """Each importbio service runs the importbio command of its own name."""
    text = _compose_config_text()
    for name in PROCESSES:
        block = text.split(f"\n  {name}:\n", 1)[1]
        command = block.split("command:", 1)[1].split("\n", 2)[1].strip()
        assert command == f"- {name}", name


def test_compose_worker_scales_and_redis_keeps_its_jobs() -> None:
    """The worker has no fixed name or host port (so --scale works); Redis appends to an
    AOF on a volume; PostgreSQL keeps its data on a volume; processes have health checks."""
    raw = COMPOSE.read_text()
    worker = raw.split("\n  worker:\n", 1)[1].split("\n\n", 1)[0]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert '"--appendonly", "yes"' in raw
    assert "redis-data:/data" in raw
    assert "postgres-data:/var/lib/postgresql/data" in raw
    assert "service_completed_successfully" in raw
    assert raw.count("healthcheck:") >= 4
    assert 'profiles: ["dev"]' in raw


def test_dockerfile_is_multi_stage_and_unprivileged() -> None:
    """The image is built in one stage and run from another, as a non-root user."""
    text = (ROOT / "Dockerfile").read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 2
    assert "COPY --from=build" in text
    user = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user
    assert user[-1].split()[1].split(":")[0] not in {"root", "0"}
    assert 'ENTRYPOINT ["importbio"]' in text
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*" or "*" in ignored


def _unit(path: Path) -> dict[str, list[str]]:
    """A systemd unit's keys (repeated keys keep every value), sections merged."""
    keys: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if not line or line.startswith(("#", "[")):
            continue
        key, _, value = line.partition("=")
        keys.setdefault(key, []).append(value)
    return keys


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_systemd_unit_runs_the_process_hardened(process: str) -> None:
    """Each process has a systemd unit that runs it as the importbio user, hardened."""
    name = "importbio-worker@.service" if process == "worker" else f"importbio-{process}.service"
    keys = _unit(DEPLOY / "systemd" / name)
    exec_start = keys["ExecStart"][0].split()
    assert exec_start[0].endswith("/importbio")
    assert exec_start[1] == process
    assert keys["User"] == ["importbio"]
    assert keys["EnvironmentFile"] == ["/etc/importbio/importbio.env"]
    for key, value in HARDENING.items():
        assert keys.get(key) == [value], key
    target = (DEPLOY / "systemd" / "importbio.target").read_text()
    assert (name.replace("@", "@1") if process == "worker" else name) in target


def test_env_example_is_generated_from_the_settings() -> None:
    """deploy/importbio.env.example is exactly what the settings' descriptions produce."""
    path = DEPLOY / "importbio.env.example"
    done = subprocess.run(
        [sys.executable, "-m", "importbio.ops.env_example", "--check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_env_example_documents_every_setting() -> None:
    """Every setting appears in the example with its description and default."""
    text = (DEPLOY / "importbio.env.example").read_text()
    for name, info in Settings.model_fields.items():
        assert f"#IMPORTBIO_{name.upper()}=" in text
        first_words = " ".join((info.description or "").split()[:4])
        assert first_words in " ".join(text.replace("# ", " ").split()), name


def test_env_example_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    """The check exits 1 and names the fix when a setting is missing from the file."""
    stale = tmp_path / "stale.env"
    stale.write_text(env_example.render().replace("#IMPORTBIO_METRICS_PORT=\n", ""))
    assert env_example.main(["--check", str(stale)]) == 1
    assert env_example.main(["--check", str(DEPLOY / "importbio.env.example")]) == 0


def test_env_example_values_are_accepted_by_the_settings() -> None:
    """Uncommenting every line of the example gives settings that load (the defaults hold)."""
    values = {}
    for line in (DEPLOY / "importbio.env.example").read_text().splitlines():
        if line.startswith("#IMPORTBIO_"):
            key, _, value = line[1:].partition("=")
            if value:
                values[key[len("IMPORTBIO_") :].lower()] = value
    loaded = Settings.model_validate(values)
    assert json.loads(json.dumps(loaded.effective()))["IMPORTBIO_BATCH_SIZE"] == str(
        Settings().batch_size
    )


def test_units_give_each_process_its_own_ops_port_and_compose_asks_served_ports() -> None:
    """The long-running units listen on distinct ops ports (the web desk's apart from its
    own), and each compose health check asks ``/readyz`` on a port its process serves."""
    ports = {}
    for process in ("intake", "scheduler", "web", "worker"):
        unit = f"importbio-{process}@" if process == "worker" else f"importbio-{process}"
        name = f"{unit}.service"
        values = _unit(DEPLOY / "systemd" / name).get("Environment", [])
        found = [v.split("=", 1)[1] for v in values if v.startswith("IMPORTBIO_METRICS_PORT=")]
        assert len(found) == 1, process
        ports[process] = found[0]
    assert len(set(ports.values())) == len(ports), ports
    web_start = _unit(DEPLOY / "systemd" / "importbio-web.service")["ExecStart"][0].split()
    assert web_start[web_start.index("--port") + 1] not in ports.values()
    raw = COMPOSE.read_text()
    assert 'IMPORTBIO_METRICS_PORT: "9464"' in raw
    assert "127.0.0.1:9464/readyz" in raw
    web = raw.split("\n  web:\n", 1)[1].split("\n\n", 1)[0]
    assert '"--port", "8000"' in web
    assert "127.0.0.1:8000/readyz" in web
