"""Liveness, readiness and Prometheus metrics over HTTP."""

from bot.health.metrics import Metrics
from bot.health.readiness import ReadinessFacts, Reason, readiness
from bot.health.server import HealthServer, HealthServerError

__all__ = ["HealthServer", "HealthServerError", "Metrics", "ReadinessFacts", "Reason", "readiness"]
