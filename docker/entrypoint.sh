#!/bin/sh
# The image's entry point: the first argument picks the process (README, Operations), the rest is passed on.
#   web       gunicorn (gthread, maxloyalty/gunicorn_config.py) on GUNICORN_BIND (0.0.0.0:8000)
#   worker    a Celery worker; `worker -Q pos` consumes those queues only
#   beat      Celery beat: exactly one per deployment
#   bot       a chain's Telegram bot by long polling: `bot --chain SLUG`
#   migrate   migrate_schemas (the public schema, then every chain's)
# Anything else runs as given (`python manage.py shell`), so an orchestrator's own command works too.
set -eu

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        exec gunicorn --config python:maxloyalty.gunicorn_config --access-logfile - "$@" maxloyalty.wsgi:application ;;
    worker)
        exec celery -A maxloyalty worker --loglevel "${LOG_LEVEL:-INFO}" "$@" ;;
    beat)
        # The schedule lives in the database (django-celery-beat), so nothing is written to the file system.
        exec celery -A maxloyalty beat --loglevel "${LOG_LEVEL:-INFO}" "$@" ;;
    bot)
        exec python manage.py run_bot "$@" ;;
    migrate)
        exec python manage.py migrate_schemas --noinput "$@" ;;
    *)
        exec "$role" "$@" ;;
esac
