from typing import Any

from twilio.http import HttpClient

class MessageInstance:
    sid: str | None
    status: str | None
    num_segments: str | None
    error_code: int | None
    error_message: str | None

class MessageList:
    def create(self, **kwargs: Any) -> MessageInstance: ...

class Client:
    messages: MessageList
    http_client: HttpClient
    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        account_sid: str | None = None,
        region: str | None = None,
        http_client: HttpClient | None = None,
        environment: Any | None = None,
        edge: str | None = None,
        user_agent_extensions: list[str] | None = None,
        credential_provider: Any | None = None,
    ) -> None: ...
