"""The "why" of an incident in the API (staff only)."""

from datetime import datetime
from typing import Any

from ninja import Schema


class DecisionOut(Schema):
    kind: str
    at: datetime
    text: list[str]
    data: dict[str, Any]


class DecisionsOut(Schema):
    tags: list[str]
    decisions: list[DecisionOut]
