"""Target for a WSGI server of your own (``gunicorn hub.web.wsgi:app``): one app from the environment."""

from hub.settings import load_settings
from hub.web.app import create_app

app = create_app(load_settings())
