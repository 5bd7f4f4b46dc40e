"""schedops' HTTP server: liveness, readiness and Prometheus metrics (the API and the sandbox join it)."""
