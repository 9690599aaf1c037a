"""Decoding real-world mail: every encoding of the corpus reads as the Russian that was sent."""

import pytest

from incidesk.mail.htmltext import html_to_text
from incidesk.mail.parsing import decode_bytes, parse
from incidesk.mail.tests.conftest import corpus


@pytest.mark.parametrize(
    ("name", "sender", "sender_name", "subject", "text"),
    [
        ("utf8_qp.eml", "ivan@example.ru", "Иван Петров", "Не печатает принтер", "горит красная"),
        ("koi8r_8bit.eml", "maria@example.ru", "Мария Сидорова", "Нет доступа к почте", "почта"),
        ("cp1251_base64.eml", "petr@example.ru", "Petr", "Сломался ноутбук", "Ноутбук не"),
        ("cp1251_labelled_latin1.eml", "olga@example.ru", "Olga", "Не работает сканер", "выдаёт"),
        (
            "raw_koi8r_headers.eml",
            "sergey@example.ru",
            "Сергей Иванов",
            "Не работает телефон",
            "214",
        ),
        ("malformed_from.eml", "", "", "Broken header test", "испорченным"),
        ("html_only.eml", "dmitry@example.ru", "Dmitry", "VPN", "Не работает VPN из дома."),
    ],
)
def test_each_encoding_reads_as_sent(name, sender, sender_name, subject, text):
    message = parse(corpus(name))
    assert (message.sender, message.sender_name, message.subject) == (sender, sender_name, subject)
    assert text in message.text


def test_a_header_the_modern_parser_refuses_is_read_with_the_compat_parser():
    message = parse(corpus("raw_koi8r_headers.eml"))
    assert message.sender_name == "Сергей Иванов"
    broken = parse(corpus("malformed_from.eml"))
    assert broken.problems == ["From: IndexError"]
    assert (broken.sender, broken.from_header) == ("", 'Anna <anna@example.ru>, "x" <')


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        ("=?utf-8?q?=0D=0Aalice@corp?= <mallory@evil>", "", ""),
        ("alice@corp <mallory@evil>", "", ""),
        ("=?utf-8?q?alice=40corp?= <mallory@evil>", "alice@corp", "mallory@evil"),
        ('"alice@corp" <mallory@evil>', "alice@corp", "mallory@evil"),
        ("a@b.example, c@d.example", "", ""),
        ("garbage", "", ""),
        ("<>", "", ""),
        ("=?utf-8?B?0JjQstCw0L0=?= <Ivan@Example.RU>", "Иван", "ivan@example.ru"),
        ("ivan@example.ru", "", "ivan@example.ru"),
    ],
)
def test_the_sender_is_the_one_addr_spec_of_the_from_header(header, name, address):
    message = parse(f"From: {header}\r\nSubject: x\r\n\r\nbody".encode())
    assert (message.sender_name, message.sender) == (name, address)


def test_html_only_mail_becomes_safe_text():
    text = parse(corpus("html_only.eml")).text
    assert "alert" not in text and "<" not in text and "color: red" not in text
    assert "- Windows 11" in text
    assert "скриншот (https://example.ru/screen)" in text


def test_attachments_and_inline_images_keep_their_russian_names():
    message = parse(corpus("attachments_russian_names.eml"))
    files = {(a.name, a.content_type, a.inline) for a in message.attachments}
    assert files == {
        ("снимок экрана.png", "image/png", True),
        ("отчёт за ноябрь.pdf", "application/pdf", False),
        ("журнал.txt", "text/plain", False),
    }
    assert message.text == "Отчёт строится с ошибкой, файлы во вложении."


def test_threading_headers_are_read():
    message = parse(corpus("reply_to_info_request.eml", "INC-000042"))
    assert message.in_reply_to == ["<INC-000042@localhost>"]
    assert message.references == ["<INC-000042@localhost>"]
    assert message.subject == "Отв: [INC-000042] Мы ждём информацию"


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        ("Привет, мир".encode("cp1251"), "iso-8859-1"),
        ("Привет, мир".encode("koi8-r"), None),
        ("Привет, мир".encode("cp1251"), "no-such-charset"),
        ("Привет, мир".encode(), "us-ascii"),
        ("Привет, мир".encode("koi8-r"), "koi8-r"),
    ],
)
def test_the_fallback_chain_finds_the_real_charset(data, declared):
    assert decode_bytes(data, declared) == "Привет, мир"


def test_latin_text_in_latin1_is_believed():
    assert decode_bytes("Café crème".encode("latin-1"), "iso-8859-1") == "Café crème"


def test_garbage_never_raises():
    message = parse(b"\x00\xff\xfe not a message at all \x81")
    assert message.sender == ""


def test_html_blockquotes_are_marked_as_quotes():
    assert html_to_text("<p>Да</p><blockquote><p>Вопрос?</p></blockquote>") == "Да\n\n> Вопрос?"
