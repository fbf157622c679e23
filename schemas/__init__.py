"""Data folder, shipped as hub.resources.schemas (see setup.py); holds no code."""
