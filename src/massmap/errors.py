"""The errors massmap raises: deep in the library, worded for the user at the CLI edge."""


class MassmapError(Exception):
    """Base class of every error massmap expects and reports as one line."""


class BadInputError(MassmapError):
    """An input file is missing, unreadable or holds values massmap cannot use."""


class IncompatibleModelError(MassmapError):
    """A model cannot be applied to this scene (channels, card or weights mismatch)."""


class OutputError(MassmapError):
    """An output path cannot be written."""
