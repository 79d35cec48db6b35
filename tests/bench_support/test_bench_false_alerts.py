"""The plain categories bench/bench_false_alerts.py sorts SEC alerts into, on worked names."""

from __future__ import annotations

from bench_false_alerts import category


def test_alert_categories() -> None:
    assert category("Opera Ltd", "OPERA") == "same_name"
    assert category("COSTAR GROUP, INC.", "COSTAR GROUP CO., LTD.") == "same_name"
    assert category("Cosmos Group Holdings Inc.", "COSMOS") == "one_word"
    assert category("National Bank Holdings Corp", "NATIONAL BANK") == "contained"
    assert category("Lion Group Holding Ltd", "Lion Technology") == "shared_words"
    assert category("TIDEWATER INC", "TIDE WATER COMPANY") == "fuzzy_only"
