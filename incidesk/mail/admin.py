"""The outgoing mail log and the received messages (with the kept failures), read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incidesk.incidents.admin import ReadOnlyMixin
from incidesk.mail.models import InboundMessage, OutgoingMail
from incidesk.mail.parsing import decode_bytes


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind", "language"]
    search_fields = ["to", "subject", "incident__number", "message_id"]
    exclude = ["html"]
    readonly_fields = ["recipient", "event", "incident"]
    date_hierarchy = "created_at"


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "source", "outcome", "incident"]
    list_filter = ["outcome", "source"]
    list_select_related = ["incident"]
    search_fields = ["sender", "subject", "message_id", "incident__number"]
    exclude = ["raw"]
    readonly_fields = ["incident", "comment", "raw_text"]
    date_hierarchy = "received_at"

    @admin.display(description=_("raw message"))
    def raw_text(self, obj: InboundMessage) -> str:
        return decode_bytes(bytes(obj.raw))
