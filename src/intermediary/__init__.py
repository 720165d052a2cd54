"""intermediary: software for a neutral intermediary in detainee releases and remains returns."""

__version__ = "0.1.0"
