# importbio: one image for every process (migrate, intake, worker, scheduler, web).
# Build: docker build -t importbio .   Run: docker run --env-file deploy/importbio.env importbio intake

# -- build: resolve the locked dependencies into a virtual environment -------------------
FROM python:3.11-slim-bookworm AS build
# uv installs exactly what uv.lock pins, the same way ./dev sync does on a workstation.
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
WORKDIR /app
# Dependencies first, so a change of the code alone reuses this layer.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable --python /usr/local/bin/python3

# -- run: the interpreter, the environment, an unprivileged user, nothing else -------------
FROM python:3.11-slim-bookworm AS run
RUN groupadd --system --gid 10001 importbio \
 && useradd --system --uid 10001 --gid importbio --home-dir /var/lib/importbio \
      --create-home --shell /usr/sbin/nologin importbio
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IMPORTBIO_VAR_DIR=/var/lib/importbio \
    IMPORTBIO_LOG_FORMAT=json
WORKDIR /var/lib/importbio
USER importbio:importbio
VOLUME ["/var/lib/importbio"]
# 9464: the ops endpoint (/metrics, /healthz, /readyz) when IMPORTBIO_METRICS_PORT is set;
# 8000: the web desk.
EXPOSE 9464 8000
ENTRYPOINT ["importbio"]
CMD ["--help"]
