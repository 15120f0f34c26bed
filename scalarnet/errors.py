"""The exceptions scalarnet raises: every one names the place and what was expected."""


class ScalarnetError(Exception):
    """Base class of every error scalarnet raises on bad input."""


class NetworkError(ScalarnetError, ValueError):
    """A network that cannot be built: wrong widths, empty layers, duplicate names."""


class InputError(ScalarnetError, ValueError):
    """Input values that do not fit the network: missing, unknown or too many."""


class NumberError(ScalarnetError, TypeError):
    """A value that should be a number is something else (a bool, a string, ...)."""


class FileFormatError(ScalarnetError, ValueError):
    """A network file that cannot be read: bad JSON, unknown version, missing keys."""


class OutputError(ScalarnetError, OSError):
    """A file that could not be written (a full disk, a folder in the way); the earlier file is unchanged."""
