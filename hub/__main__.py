"""``python -m hub`` is the ``orderhub`` command."""

import gc

from hub.cli import main

try:
    main()
finally:
    # The process is ending (this module only runs as one). Python's shutdown would otherwise run the cyclic
    # garbage collector over every object the hub imported, which takes a run, serve, worker or beat process
    # about half a second of CPU each time it stops; files, connections and atexit hooks are still closed
    # and run as usual.
    gc.freeze()
