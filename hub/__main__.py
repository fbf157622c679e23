"""``python -m hub`` is the ``orderhub`` command."""

from hub.cli import main

main()
