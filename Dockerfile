# hvr-bot: the Slack chatops bot for Fivetran. `docker build -t hvr-bot .`, then see deploy/README.md.
#
# Two stages: the first builds a wheel of the package and installs it with its dependencies into a
# virtual environment; the second copies only that environment onto a slim Python, so no compiler,
# source tree or pip cache ships. The package carries its migrations and data, so nothing else is copied.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/hvr-bot
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
# A wheel, not an editable install: what runs is what `pip install` of a release would give. The lock
# file pins every dependency to the versions CI tested.
RUN /opt/hvr-bot/bin/pip install --upgrade "pip>=24" \
    && /opt/hvr-bot/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && /opt/hvr-bot/bin/pip install -c requirements.lock /tmp/wheels/*.whl

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="hvr-bot" \
      org.opencontainers.image.description="Slack chatops bot for Fivetran"
# An unprivileged user with a home for the default SQLite file (./data under the working directory).
RUN groupadd --system --gid 10001 hvr \
    && useradd --system --uid 10001 --gid hvr --home-dir /home/hvr --create-home hvr \
    && mkdir -p /home/hvr/data \
    && chown hvr:hvr /home/hvr/data
COPY --from=build /opt/hvr-bot /opt/hvr-bot
ENV PATH=/opt/hvr-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=3000
USER 10001:10001
WORKDIR /home/hvr
VOLUME ["/home/hvr/data"]
EXPOSE 3000
# No curl in a slim image: Python asks /healthz itself. PORT may be overridden at run time.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# Exec form: the bot is PID 1 and gets SIGTERM itself, for a graceful shutdown.
ENTRYPOINT ["hvr-bot"]
CMD ["serve"]
