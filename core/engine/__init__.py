from core.engine.engine import Engine, JobExistsError

__all__ = ["Engine", "JobExistsError"]
