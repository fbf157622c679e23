"""X12 transports: how interchanges reach the hub from a partner and leave it for one.

Inbound, every transport only stores what arrives (``hub.edi.intake.store_x12``) and leaves parsing to the
worker: ``http_endpoint`` (``POST /edi/<partner id>``), ``mailbox`` (local directories, often a VAN's) and
``sftp`` (the partner's server, its host key pinned). ``poll`` runs the folder transports of one partner.
Outbound, ``send`` takes a pending ``edi_interchanges`` row to the partner over the first transport in its
profile: ``http_outbound``, ``mailbox`` or ``sftp``.
"""
