"""State changes and queries shared by the web pages, the API, the CLI and the jobs."""


class OperationError(ValueError):
    """A request that cannot be carried out as asked; the message (Chinese) is shown to the user.

    ``status`` maps onto an HTTP status (404 not found, 409 conflict, 422 invalid) and ``fields``
    names the fields at fault.
    """

    def __init__(self, message: str, *, status: int = 422, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.fields = fields or {}


class NotFound(OperationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)


class Conflict(OperationError):
    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, status=409, fields=fields)
