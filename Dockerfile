# Production image: slim, non-root, granian (`python -m config.serve`, as `make run` starts it).
# Migrations are a separate, explicit step:
#   docker compose run --rm web python manage.py migrate
# (run it once per release before starting the new web containers).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Dependencies first, exact and hash-checked from the lock (a layer that survives code changes),
# then the project itself with --no-deps so nothing unlocked sneaks in.
COPY requirements.txt ./
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r requirements.txt
COPY pyproject.toml ./
COPY config ./config
COPY core ./core
COPY customers ./customers
COPY tenants ./tenants
COPY plans ./plans
COPY apikeys ./apikeys
RUN /venv/bin/pip install --no-deps .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=3 \
    SERVER_THREADS=64
RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=app:app . /app
# collectstatic needs a key at build time only; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0 && chown -R app:app /app/staticfiles
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz')" || exit 1
# Header read timeout, thread pool and header size: config/serve.py (env SERVER_*).
CMD ["python", "-m", "config.serve"]
