"""The new part of a reply: quoted earlier messages and signatures cut off.

`mail-parser-reply` knows the English and European clients' markers; it has no Russian, so the
Russian clients' ones are added here as one more language ("-----Исходное сообщение-----",
"От:/Отправлено:/Кому:/Тема:" blocks, "… написал(а):", "… пишет:", "Отправлено с iPhone",
"С уважением,").
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

_QUOTE_LEVELS = r"(?:> ?)*"

RUSSIAN: dict[str, str | list[str]] = {
    "wrote_header": (
        r"^(" + _QUOTE_LEVELS + r"(?:.{0,200}?\s)?(?:написал(?:\(а\)|а)?|пишет)\s*:)$"
    ),
    "from_header": (
        r"((?:(?:^|\n|\n" + _QUOTE_LEVELS + r")[* ]*"
        r"(?:От|Отправлено|Кому|Тема|Дата|Копия):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})"
    ),
    "signatures": [
        "С уважением",
        "С наилучшими пожеланиями",
        "Спасибо,",
        "Заранее спасибо",
        "Всего доброго",
    ],
    "sent_from": "Отправлено с|Отправлено из|Sent from my|Get Outlook for",
    "disclaimers": [
        r"Конфиденциальн(?:ость|ая информация)",
        "Это сообщение и любые",
    ],
}

# Outlook's Russian separator; the library knows only "-----Original Message-----".
_SEPARATOR = re.compile(r"^\s*-{3,}\s*(?:Исходное|Пересылаемое) сообщение\s*-{3,}.*$", re.M | re.I)


class _Message(EmailMessage):
    def _get_language_regex(self, language: str, regex_key: str) -> str:
        if language == "ru":
            value = RUSSIAN.get(regex_key, "")
            return "|".join(value) if isinstance(value, list) else value
        return super()._get_language_regex(language, regex_key)


def latest_reply(text: str) -> str:
    """The text above the first quote marker, without the signature ("" when the reply is
    nothing but a quote)."""
    text = _SEPARATOR.split(text, maxsplit=1)[0]
    message = _Message(text=text, languages=["ru"], keep_hyphen_lists=True).read()
    replies = [reply for reply in message.replies if reply.content]
    if not replies:
        return ""
    body = replies[0].body if not replies[0].headers else ""
    lines = [line for line in body.splitlines() if not line.startswith(">")]
    return "\n".join(lines).strip()
