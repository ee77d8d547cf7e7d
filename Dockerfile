# salesbot: the installed package, run as an unprivileged user, webhook mode behind a TLS proxy.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin salesbot

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY templates ./templates
# The package as pip installs it (the migrations and the templates ship inside it), not the source tree.
RUN pip install . && rm -rf /src

USER salesbot
WORKDIR /home/salesbot
# The web server listens on every interface inside the container; publish it to the proxy only.
ENV SALESBOT_LISTEN=0.0.0.0:8080 \
    SALESBOT_DATABASE_URL=sqlite+aiosqlite:////home/salesbot/salesbot.db
EXPOSE 8080

# /healthz answers 200 when this instance is up and its database answers (active or standby).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["salesbot"]
CMD ["run", "--webhook"]
