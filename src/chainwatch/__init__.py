"""chainwatch: export-control and sanctions risk in supply chains."""

__version__ = "0.1.0"
