"""The API's error-to-status table and what every route declares (in process, no server)."""

from __future__ import annotations

from pathlib import Path

from chainwatch.api.app import create_app
from chainwatch.api.errors import ERROR_STATUS, answer_for
from chainwatch.api.settings import ServiceSettings
from chainwatch.model.errors import ChainwatchError, InputError
from chainwatch.store.engine import StoreBusy, StoreError
from chainwatch.workflows.cases import CaseNotFound, StaleDecision
from chainwatch.workflows.table_rows import TooManyRows

FILE_ROUTES = {("get", "/api/v1/cases/export")}  # a CSV or XLSX file, not JSON


def test_the_nearest_entry_of_an_exception_class_wins() -> None:
    assert answer_for(CaseNotFound).status == 404
    assert answer_for(StaleDecision).status == 409
    assert answer_for(TooManyRows).status == 413  # an InputError, but its own entry wins
    assert answer_for(InputError).status == 400  # a ChainwatchError
    assert answer_for(StoreBusy).status == 503 and answer_for(StoreError).status == 500
    assert answer_for(KeyError).status == 500  # not in the table: an internal error
    assert all(issubclass(e, Exception) for e in ERROR_STATUS)
    assert ChainwatchError in ERROR_STATUS


def test_every_api_route_declares_its_response_model_and_errors(tmp_path: Path) -> None:
    settings = ServiceSettings(session_secret="s" * 48, download_base_url="http://127.0.0.1:9")
    schema = create_app(f"sqlite:///{tmp_path / 'store.db'}", settings).openapi()
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            answers = operation["responses"]
            where = f"{method.upper()} {path}"
            assert {"401", "403", "422"} <= set(answers), where
            for status in answers:
                if status[0] in "45":
                    ref = answers[status]["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), where
            if (method, path) in FILE_ROUTES:
                continue
            ok = next(s for s in answers if s.startswith("2"))
            body = answers[ok]["content"]["application/json"]["schema"]
            assert body.get("$ref") or body.get("items", {}).get("$ref"), where
            checked += 1
    assert checked >= 30
    decision = schema["paths"]["/api/v1/cases/{case_id}/decision"]["post"]["responses"]
    assert {"404", "409", "400"} <= set(decision)
