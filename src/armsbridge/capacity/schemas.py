"""Pydantic shapes of the capacity API: what a client sends to record trainings and campaigns."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

Text = Field(min_length=1, max_length=120, pattern=r"^[^\x00]*$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str = Field(min_length=2, max_length=2)


class ParticipationIn(_In):
    """One participant-list row: a participant attended a session of a training."""

    training_code: str = Text
    training_title: str | None = Field(None, max_length=300)
    topic: str | None = Field(None, max_length=80)
    kind: str = Field("training", max_length=20)
    session_code: str = Text
    session_date: date | None = None
    participant_ref: str = Text
    sex: str | None = Field(None, max_length=1)
    institution: str | None = Field(None, max_length=200)
    pre_score: float | None = Field(None, ge=0, le=100)
    post_score: float | None = Field(None, ge=0, le=100)


class CampaignChannelIn(_In):
    """One campaign-metrics row: a campaign's views and impressions on one channel."""

    campaign_code: str = Text
    title: str | None = Field(None, max_length=300)
    kind: str = Field(max_length=20)
    start_date: date | None = None
    end_date: date | None = None
    channel: str = Field(min_length=1, max_length=80)
    views: int | None = Field(None, ge=0, le=2**31 - 1)
    impressions: int | None = Field(None, ge=0, le=2**31 - 1)
    reach: int | None = Field(None, ge=0, le=2**31 - 1)


class JointOperationIn(_In):
    """A joint operation: dates, agencies and results."""

    code: str = Text
    title: str = Field(min_length=1, max_length=300)
    kind: str = Field("joint_investigation", max_length=40)
    started_on: date | None = None
    ended_on: date | None = None
    agencies: list[str] = Field(default_factory=list, max_length=20)
    results: str | None = Field(None, max_length=5000)


class KnowledgeProductIn(_In):
    """A knowledge product and the languages it exists in."""

    code: str = Text
    title: str = Field(min_length=1, max_length=300)
    kind: str = Field("manual", max_length=40)
    topic: str | None = Field(None, max_length=80)
    languages: list[str] = Field(default_factory=list, max_length=10)
    published_on: date | None = None


class Recorded(BaseModel):
    """The answer to a write: the type and id of the record written."""

    record_type: str
    id: int
