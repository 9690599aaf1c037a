"""Markdown to safe HTML: markdown-it-py's `js-default` preset (raw HTML off, so `<script>` is
text; `javascript:`, `vbscript:`, `file:` and `data:` links refused), then nh3 with an
allow-list as a second wall. Images may only point at the article's own images
(`/kb/<id>/images/<n>/`), which are served after the access check like every attachment:
nothing in an article can load from elsewhere or run.
"""

from __future__ import annotations

import re
from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
        *("strong", "em", "del", "s", "ul", "ol", "li", "a", "img"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE = re.compile(r"^/kb/(\d+)/images/\d+/$")


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("js-default")


def render(text: str, article_id: int | None = None) -> SafeString:
    """The article's Markdown as HTML safe to put in a page. Images of other articles (or of
    anywhere else) are dropped: each article's images are checked against its own audience."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            found = _IMAGE.match(value)
            return value if found and int(found.group(1)) == article_id else None
        return value

    html = nh3.clean(
        _parser().render(text),
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        attribute_filter=keep,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(html)  # noqa: S308  nh3 kept only the allow-listed tags and attributes
