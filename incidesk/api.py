"""The REST API v1: one NinjaAPI mounting each app's router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Incidesk API", version="1")
