"""Target for the ``celery`` command line (``celery -A hub.worker.instance worker``): one app from the environment."""

from hub.settings import load_settings
from hub.worker.app import create_celery

app = create_celery(load_settings())
