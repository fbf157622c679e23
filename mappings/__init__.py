"""Data folder, shipped as hub.resources.mappings (see setup.py); holds no code."""
