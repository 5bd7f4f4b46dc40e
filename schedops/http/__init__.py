"""schedops' HTTP server: liveness, readiness and Prometheus metrics."""

from schedops.http.readiness import ReadinessFacts, Reason, readiness
from schedops.http.server import HealthServer, HealthServerError

__all__ = ["HealthServer", "HealthServerError", "ReadinessFacts", "Reason", "readiness"]
