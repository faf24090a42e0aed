"""Domain errors: each becomes one line for a person (exit code 1 in the CLI)."""


class DeskError(Exception):
    """A user mistake or a refusal; the message is shown as it is."""


class NotFound(DeskError):
    pass


class NotAllowed(DeskError):
    pass


class Conflict(DeskError):
    pass


class InvalidInput(DeskError):
    pass
