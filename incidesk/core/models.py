"""The one table core owns: Django's database cache, which holds the rate-limit counters."""

from django.db import models


class CacheEntry(models.Model):
    """A row of Django's database cache (`incidesk.core.cache.DatabaseCache`), laid out as
    `createcachetable` would. A model only so that `migrate` creates the table and a test's flush
    empties it; nothing reads it through the ORM."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "incidesk_cache"

    def __str__(self) -> str:
        return self.cache_key
