"""Markdown is rendered safely: raw HTML is text, dangerous links and foreign images go."""

from incidesk.knowledge.render import render


def test_a_script_in_markdown_is_shown_as_text():
    html = render("<script>alert('x')</script>\n\nТекст")
    assert "<script" not in html
    assert "&lt;script&gt;alert" in html


def test_raw_html_with_handlers_is_text():
    html = render('<img src="x" onerror="alert(1)"> <a href="javascript:alert(1)">a</a>')
    assert "<img" not in html and "<a " not in html
    assert "onerror" in html  # as text, escaped
    assert "&lt;img" in html


def test_javascript_and_data_links_are_dropped():
    html = render(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) "
        "[d](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.org/help)"
    )
    assert "javascript:" not in html.lower().replace("[a](javascript:", "").replace(
        "[b](javascript:", ""
    )
    assert 'href="javascript' not in html.lower()
    assert 'href="data:' not in html and 'href="vbscript' not in html
    assert 'href="https://example.org/help"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_images_only_from_the_articles_own_pictures():
    html = render("![a](/kb/7/images/3/) ![b](/kb/8/images/4/) ![c](https://evil.example/x.png)", 7)
    assert 'src="/kb/7/images/3/"' in html
    assert "/kb/8/" not in html and "evil.example" not in html


def test_markdown_still_renders():
    html = render("# Заголовок\n\n* один\n* **два**\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>Заголовок</h1>" in html
    assert "<strong>два</strong>" in html
    assert "<table>" in html
