"""Declarative mappings: channel and partner payloads to canonical documents, as data (``mappings/``)."""

from hub.mapping.errors import MappingError, MappingFileError, MappingInputError
from hub.mapping.loader import Mapping, load_mapping, parse_mapping

__all__ = ["Mapping", "MappingError", "MappingFileError", "MappingInputError", "load_mapping", "parse_mapping"]
