"""OData query options over mtdsim's collections: a bounded ``$filter`` parser, options, signed ``$skiptoken``
cursors, accessor tables, and device pages that cost O(page) (see devices.py for the bounds)."""

from simulator.query.cursor import Cursor, CursorCodec
from simulator.query.fields import Field, compile_filter
from simulator.query.filter import parse_filter
from simulator.query.options import QueryOptions, read_options

__all__ = ["Cursor", "CursorCodec", "Field", "QueryOptions", "compile_filter", "parse_filter", "read_options"]
