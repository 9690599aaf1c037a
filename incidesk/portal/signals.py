"""The portal's part in deactivating a person: the tracking links of their incidents stop."""

from __future__ import annotations

from django.dispatch import receiver

from incidesk.accounts.models import User
from incidesk.accounts.signals import user_deactivated
from incidesk.portal.models import TrackingLink


@receiver(user_deactivated)
def _revoke_tracking_links(sender: type[User], user: User, **kwargs) -> None:
    TrackingLink.objects.filter(incident__reporter=user).delete()
