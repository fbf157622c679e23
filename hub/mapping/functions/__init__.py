"""Named, reviewed functions that mapping files may ``call`` (see ``registry``)."""

from hub.mapping.functions.core import decimal_text, to_decimal
from hub.mapping.functions.registry import FUNCTIONS, get_function, mapping_function

__all__ = ["FUNCTIONS", "decimal_text", "get_function", "mapping_function", "to_decimal"]
