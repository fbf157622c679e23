"""orderhub: an order-management integration hub.

Nothing here does work at import time; build the pieces with ``hub.settings.load_settings``,
``hub.web.create_app`` and ``hub.worker.create_celery``.
"""

__version__ = "0.1.0"
