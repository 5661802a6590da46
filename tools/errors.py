"""One exception family for everything a user can cause or fix.

The CLI turns any of these into a single line on stderr and a non-zero exit; anything else is a
bug and keeps its traceback.
"""


class Sound2SightError(Exception):
    """Base class: a problem the user can understand and act on."""

    exit_code = 1


class InvalidInputError(Sound2SightError):
    """The song, the request or an option is unusable (missing, not audio, silent, too short)."""

    exit_code = 2


class StorageError(Sound2SightError):
    """A file or folder cannot be made, read or written: a path under a file, permissions, a
    read-only mount, a full disk."""

    exit_code = 5


class BackendUnavailableError(Sound2SightError):
    """A requested backend cannot be loaded: unknown spec, missing extra, missing weights."""

    exit_code = 3


class GenerationFailedError(Sound2SightError):
    """A backend ran but could not produce a usable result (bad model output, encoder failure)."""

    exit_code = 4


class TransientBackendError(GenerationFailedError):
    """A failure worth retrying as is: a timeout, a rate limit, a dropped connection."""
