"""Worked examples of the workbench's small rules, checked by hand."""

from __future__ import annotations

from chainwatch.workflows.case_view import mark, query_tokens
from chainwatch.workflows.exports import column_label, readable_number


def test_matched_words_are_marked_as_the_docstring_says() -> None:
    tokens = query_tokens("Hangzhou Hikvision Digital Tech")
    segments = mark("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.", tokens)
    marked = [s.text for s in segments if s.marked]
    plain = [s.text for s in segments if not s.marked and s.text.strip()]
    assert marked == ["HANGZHOU", "HIKVISION", "DIGITAL", "TECHNOLOGY"]
    assert plain == ["CO.,", "LTD."]
    assert "".join(s.text for s in segments) == "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."


def test_readable_numbers_and_labels() -> None:
    assert readable_number(1234567.891) == "1,234,567.89"
    assert readable_number(0.012345) == "0.0123"
    assert readable_number(15872) == "15,872"
    assert readable_number(42.0) == "42"
    assert readable_number("n/a") == "n/a"
    assert column_label("lost_margin_usd") == "Lost margin (USD)"
    assert column_label("lead_time_days") == "Lead time (days)"
    assert column_label("tts") == "TTS"
    assert column_label("demand_per_day") == "Demand per day"


def test_login_returns_only_to_local_pages() -> None:
    from chainwatch.api.pages import safe_next

    assert safe_next("/cases?status=open&source=EL") == "/cases?status=open&source=EL"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "/login", ""):
        assert safe_next(hostile) == "/", hostile
