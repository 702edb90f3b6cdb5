"""imgix query parsing: one table of every parameter, typed values, aliases, base64, signing.

No pyvips import here: this package can be used by the worker and the devtool alone.
"""

from imgworker.render.params.parse import ALIASES, BY_NAME, Params, default_of, parse_query
from imgworker.render.params.types import Color, InvalidValue

__all__ = ["ALIASES", "BY_NAME", "Color", "InvalidValue", "Params", "default_of", "parse_query"]
