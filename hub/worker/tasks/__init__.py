"""Celery tasks, one module per stage. Names are ``hub.<stage>.<verb>``; arguments are ids, never objects."""
