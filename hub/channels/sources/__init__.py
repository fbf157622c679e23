"""One module per sales channel, each defining one ``hub.channels.base.Channel`` subclass.

Adding a channel means adding a module here (and its mapping files under ``mappings/<channel>/``);
``hub.channels.registry`` finds it.
"""
