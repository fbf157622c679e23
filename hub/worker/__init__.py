"""Celery: the application factory and the tasks, grouped by stage."""

from hub.worker.app import create_celery

__all__ = ["create_celery"]
