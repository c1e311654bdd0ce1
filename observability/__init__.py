"""Observability: the process's health probes (/healthz, /readyz) and its Prometheus metrics (/metrics).

Business counters are counted where the thing happens once: receivers of the domain events (observability.signals)
and one increment at the POS pipeline's single acknowledgement and refusal points. Request, database and Celery
metrics come from a middleware, a database execute wrapper and Celery's signals. README, Operations, says why
prometheus_client in multiprocess mode and how /metrics is kept off the public internet.
"""
