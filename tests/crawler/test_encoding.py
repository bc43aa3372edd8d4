"""Encoding decisions: BOM, header, meta, validity checks and Cyrillic sniffing."""

from __future__ import annotations

import codecs

import pytest

from crawler.extract.encoding import decode_html, header_charset, meta_charset, normalize_label

RU = (
    "Городской совет утвердил план реконструкции старого канала. Работы начнутся осенью, "
    "сообщил Ёркин Сатыбалдиев, глава ведомства. "
) * 3


def html(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>News</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_undeclared_single_byte_cyrillic_is_sniffed(encoding: str) -> None:
    decoded = decode_html(html(RU).encode(encoding))
    assert decoded.encoding == encoding
    assert RU in decoded.text


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_declared_single_byte_cyrillic_is_honoured(encoding: str) -> None:
    body = html(RU, f"<meta charset='{encoding}'>").encode(encoding)
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.source) == (encoding, "meta")
    assert RU in decoded.text
    decoded = decode_html(html(RU).encode(encoding), f"text/html; charset={encoding.upper()}")
    assert (decoded.encoding, decoded.source) == (encoding, "header")


def test_wrong_cyrillic_declaration_is_corrected_by_the_letters() -> None:
    body = html(RU, "<meta charset='koi8-r'>").encode("cp1251")
    decoded = decode_html(body)
    assert decoded.encoding == "cp1251" and RU in decoded.text


def test_latin1_header_gives_way_to_a_cyrillic_meta() -> None:
    body = html(RU, "<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>")
    decoded = decode_html(body.encode("cp1251"), "text/html; charset=ISO-8859-1")
    assert decoded.encoding == "cp1251" and RU in decoded.text


def test_valid_utf8_wins_over_a_wrong_single_byte_declaration() -> None:
    decoded = decode_html(html(RU).encode("utf-8"), "text/html; charset=windows-1251")
    assert decoded.encoding == "utf-8" and RU in decoded.text


def test_invalid_utf8_declared_as_utf8_is_sniffed() -> None:
    decoded = decode_html(html(RU, "<meta charset='utf-8'>").encode("cp1251"))
    assert decoded.encoding == "cp1251" and RU in decoded.text


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_mark_wins(bom: bytes, encoding: str) -> None:
    decoded = decode_html(bom + html(RU).encode(encoding), "text/html; charset=koi8-r")
    assert (decoded.encoding, decoded.source) == (encoding, "bom")
    assert RU in decoded.text


def test_west_european_page_is_not_mistaken_for_cyrillic() -> None:
    text = "Le marché de Noël ouvrira à l'hôtel de ville, près de la cathédrale. " * 5
    decoded = decode_html(html(text).encode("cp1252"))
    assert text in decoded.text


def test_labels_and_headers_are_normalised() -> None:
    assert normalize_label("Windows-1251") == "cp1251"
    assert normalize_label("KOI8-R") == "koi8-r"
    assert normalize_label("latin1") == "cp1252"
    assert normalize_label("no-such-charset") is None
    assert header_charset('text/html; charset="UTF-8"') == "utf-8"
    assert header_charset("text/html") is None
    assert (
        meta_charset(b"<meta http-equiv='Content-Type' content='text/html; charset=koi8-r'>")
        == "koi8-r"
    )


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    decoded = decode_html(
        b"<html><body>\x81\x8d\x8f\x90\x9d</body></html>", "text/html; charset=utf-8"
    )
    assert "<body>" in decoded.text
