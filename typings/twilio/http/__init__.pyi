from logging import Logger

from twilio.http.response import Response

class HttpClient:
    logger: Logger
    is_async: bool
    timeout: float | None
    def __init__(self, logger: Logger, is_async: bool, timeout: float | None = None) -> None: ...
    def request(
        self,
        method: str,
        uri: str,
        /,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response: ...
