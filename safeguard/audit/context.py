"""The request id and reason of the action in progress, so services can audit without plumbing."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
