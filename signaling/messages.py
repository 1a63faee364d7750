"""Messages of the ``/session`` namespace, validated on arrival."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from server.platform.validation import ApiModel

MAX_SDP_CHARS = 100_000


class JoinMessage(ApiModel):
    session_id: str = Field(min_length=1, max_length=100)


class SessionDescription(ApiModel):
    type: Literal["offer", "answer", "pranswer", "rollback"]
    sdp: str = Field(default="", max_length=MAX_SDP_CHARS)


class IceCandidate(ApiModel):
    candidate: str = Field(max_length=1_000)
    sdpMid: str | None = Field(default=None, max_length=64)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)
    usernameFragment: str | None = Field(default=None, max_length=256)


class SignalMessage(ApiModel):
    to: str = Field(min_length=1, max_length=100)
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> SignalMessage:
        if (self.description is None) == (self.candidate is None):
            raise ValueError("a signal carries exactly one of description or candidate")
        return self


class MediaStateMessage(ApiModel):
    mic: bool
    camera: bool
    screen: bool


class ChatMessage(ApiModel):
    text: str = Field(min_length=1, max_length=2_000)


class EndMessage(ApiModel):
    reason: str = Field(default="ended", max_length=200)


# Coaching (issue #25): a supervisor's mode, whisper chat, raise hand.
CoachMode = Literal["observe", "whisper", "barge"]


class CoachMessage(ApiModel):
    mode: CoachMode


class WhisperChatMessage(ApiModel):
    text: str = Field(min_length=1, max_length=2_000)


class HelpRequestMessage(ApiModel):
    session_id: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=500)


class HelpAnswerMessage(ApiModel):
    request_id: str = Field(min_length=1, max_length=100)
