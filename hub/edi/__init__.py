"""ANSI X12 EDI with trading partners. The input layer (``encoding``, ``reader``) turns bytes from any transport
into envelope events, or for small inputs a tree of the structures in ``model``, checked against the envelope
rules in ``envelope``; ``spec`` and ``validate`` check each transaction set against its definition, ``acks``
answers with TA1 and 997/999, ``writer`` produces outbound X12, and ``partners``, ``control_numbers`` and
``duplicates`` keep what each trading relationship needs remembered.
"""
