"""Property-based: random and mutated HTML never makes extract_article raise anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.errors import ExtractionError
from crawler.extract.article import extract_article

SEED = (
    "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>Заголовок | Сайт</title>"
    "<meta property='article:published_time' content='2026-01-02T03:04:05Z'></head><body>"
    "<header><nav><a href='/'>Главная</a></nav></header><article><h1>Заголовок</h1>"
    "<figure><img src='/a.jpg' alt='Подпись'><figcaption>Подпись. Фото: Автор</figcaption></figure>"
    "<p>Первый абзац статьи о новом мосте через реку, который строят уже третий год.</p>"
    "<p>Второй абзац: строители обещают открыть движение до конца осени.</p>"
    "<p>Читайте также: другие новости</p></article><footer>© Сайт</footer></body></html>"
).encode()

TAGS = [
    "p",
    "div",
    "span",
    "article",
    "h1",
    "h2",
    "figure",
    "figcaption",
    "table",
    "td",
    "li",
    "script",
    "style",
    "a",
    "time",
    "meta",
    "html",
    "body",
    "head",
    "title",
    "br",
    "b",
]


def check(body: bytes) -> None:
    try:
        ex = extract_article(body, "https://example.com/a", fetched="2026-05-01T00:00:00Z")
    except ExtractionError as exc:
        # every exception is wrapped as ExtractionError: "internal" is the one that means a bug
        assert exc.reason and exc.reason != "internal", exc.detail
    else:
        assert isinstance(ex.article.text, str) and ex.article.text
        assert "\n\n\n" not in ex.article.text


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["cut", "insert", "flip", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "cut":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(max_size=40))
        elif op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        else:
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 300))]
    return bytes(data)


@st.composite
def random_html(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            parts.append(f"<{tag}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(st.text(max_size=80)))
    encoding = draw(st.sampled_from(["utf-8", "cp1251", "koi8-r", "utf-16"]))
    return "".join(parts).encode(encoding, "replace")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_article_pages_only_raise_extraction_errors(body: bytes) -> None:
    check(body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_html())
def test_random_markup_only_raises_extraction_errors(body: bytes) -> None:
    check(body)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_only_raise_extraction_errors(body: bytes) -> None:
    check(body)
