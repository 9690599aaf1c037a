"""Quoted earlier messages and signatures are cut from replies, Russian clients' markers too."""

import pytest

from incidesk.mail.inbound import clean_subject
from incidesk.mail.quotes import latest_reply

OUTLOOK_RU = """Принтер снова работает, спасибо!

С уважением,
Иван Петров

-----Исходное сообщение-----
От: Служба поддержки <support@example.com>
Отправлено: 12 ноября 2025 г. 10:00
Кому: ivan@example.com
Тема: [INC-000001] Принтер

Старый текст"""

HEADER_BLOCK = """Ок, жду.

От: Служба поддержки
Отправлено: вторник, 12 ноября 2025 г. 10:00
Кому: Иван
Тема: RE: вопрос

старый текст"""

IPHONE = """Да, перезагружали.

Отправлено с iPhone

> 12 нояб. 2025 г., в 10:00, Служба поддержки <support@example.com> написал(а):
>
> Пробовали перезагрузить?"""

PISHET = """Ответ тут.
- пункт один
- пункт два

12.11.2025 10:00, Служба поддержки пишет:
> Вопрос"""

ENGLISH = """Fine now.

On Tue, Nov 12, 2025 at 10:00 AM Support <support@example.com> wrote:
> question"""


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (OUTLOOK_RU, "Принтер снова работает, спасибо!"),
        (HEADER_BLOCK, "Ок, жду."),
        (IPHONE, "Да, перезагружали."),
        (PISHET, "Ответ тут.\n- пункт один\n- пункт два"),
        (ENGLISH, "Fine now."),
        ("> only a quote\n> more", ""),
    ],
)
def test_only_the_new_text_is_kept(text, reply):
    assert latest_reply(text) == reply


@pytest.mark.parametrize(
    "subject",
    [
        "Re: [INC-000123] Принтер",
        "RE[3]: Принтер",
        "Fwd: Re: Принтер",
        "Отв: Принтер",
        "Пересл: ОТВ: [INC-000123] Принтер",
        "Re(2): Принтер",
    ],
)
def test_reply_prefixes_and_our_tag_are_ignored(subject):
    assert clean_subject(subject) == "Принтер"
