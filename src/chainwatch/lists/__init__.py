"""Restricted-party list adapters: one module per official format, one entry point.

Use :func:`parse_feed` for any list file; :func:`bundled_feeds` lists the public-domain
snapshot that ships with the package; :mod:`chainwatch.lists.download` fetches the official
files. This is the only package that parses list files.
"""

from chainwatch.lists.registry import FORMATS, bundled_feeds, detect_format, parse_feed

__all__ = ["FORMATS", "bundled_feeds", "detect_format", "parse_feed"]
