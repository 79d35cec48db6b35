"""The yente- and Watchman-compatible endpoints over real HTTP, driven with the request bodies
and parameters those projects document, checking the answers' shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.service.conftest import Server

# yente's documented /match body (docs: "Matching API"), with the entities of tests/service/data
YENTE_MATCH_BODY: dict[str, Any] = {
    "queries": {
        "q1": {
            "schema": "Company",
            "properties": {"name": ["Rosoboronexport"], "jurisdiction": ["ru"]},
        },
        "q2": {
            "schema": "Person",
            "properties": {
                "name": ["Arkadiii Romanovich Rotenberg"],
                "birthDate": ["1951"],
                "nationality": ["ru"],
            },
        },
        "q3": {
            "schema": "Company",
            "properties": {
                "name": ["Hangzhou Hikvision Digital Technology"],
                "country": ["cn"],
                "registrationNumber": ["91330000733796106P"],
            },
        },
    },
    "weights": {},
    "config": {},
}
ENTITY_KEYS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
}


def _client(server: Server, role: str = "viewer", scheme: str = "ApiKey") -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"{scheme} {server.keys[role]}"},
        timeout=30,
    )


def test_match_answers_in_yentes_shape(server: Server) -> None:
    with _client(server) as client:
        reply = client.post("/match/default", json=YENTE_MATCH_BODY, params={"limit": 3})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) >= {"responses", "limit"} and body["limit"] == 3
    assert set(body["responses"]) == {"q1", "q2", "q3"}
    for key, response in body["responses"].items():
        assert response["status"] == 200
        assert response["total"]["relation"] == "eq"
        assert response["total"]["value"] == len(response["results"]) <= 3
        assert response["query"]["schema"] == YENTE_MATCH_BODY["queries"][key]["schema"]
        for result in response["results"]:
            assert ENTITY_KEYS | {"score", "match", "features"} <= set(result)
            assert all(isinstance(v, list) for v in result["properties"].values())
            assert 0.0 <= result["score"] <= 1.0
            assert result["match"] == (result["score"] >= body["matcher"]["threshold"])
    top = body["responses"]["q1"]["results"][0]
    assert top["id"] == "SDN:10380" and top["schema"] == "Company" and top["match"] is True
    assert top["caption"] == "ROSOBORONEXPORT" and top["properties"]["country"] == ["ru"]
    assert top["datasets"] == ["chainwatch_sdn"] and "sanction" in top["properties"]["topics"]
    assert {"score", "detail"} <= set(next(iter(top["explanations"].values())))
    assert body["responses"]["q2"]["results"] == []  # not on these lists
    hik = body["responses"]["q3"]["results"][0]
    assert hik["id"] == "EL:hikvision" and "export.control" in hik["properties"]["topics"]
    assert "Hikvision" in hik["properties"]["alias"]


def test_match_threshold_cutoff_dataset_and_algorithm(server: Server) -> None:
    with _client(server, scheme="Bearer") as client:
        strict = client.post("/match/sanctions?threshold=1.0&cutoff=0.5", json=YENTE_MATCH_BODY)
        assert strict.status_code == 200, strict.text
        results = strict.json()["responses"]["q1"]["results"]
        assert results and not any(r["match"] for r in results)
        only_el = client.post("/match/chainwatch_el", json=YENTE_MATCH_BODY).json()
        assert only_el["responses"]["q1"]["results"] == []
        assert only_el["responses"]["q3"]["results"][0]["datasets"] == ["chainwatch_el"]
        assert client.post("/match/sdn?algorithm=logic-v2", json=YENTE_MATCH_BODY).is_success
        narrowed = client.post(
            "/match/default?include_dataset=chainwatch_el&include_dataset=chainwatch_sdn"
            "&exclude_dataset=chainwatch_sdn",
            json=YENTE_MATCH_BODY,
        ).json()["responses"]
        assert narrowed["q1"]["results"] == [] and narrowed["q3"]["results"]
        nothing = client.post("/match/default?exclude_dataset=default", json=YENTE_MATCH_BODY)
        assert nothing.status_code == 400
        assert client.post("/match/nope", json=YENTE_MATCH_BODY).status_code == 404
        assert client.post("/match/default?algorithm=xyz", json=YENTE_MATCH_BODY).status_code == 400
        too_many = {"queries": {f"q{i}": {"schema": "Company", "properties": {"name": ["A"]}}
                                for i in range(101)}}  # fmt: skip
        assert client.post("/match/default", json=too_many).status_code == 422
        nameless = {"queries": {"q": {"schema": "Company", "properties": {"country": ["ru"]}}}}
        assert client.post("/match/default", json=nameless).status_code == 400
        address = {"queries": {"q": {"schema": "Address", "properties": {"full": ["x"]}}}}
        assert client.post("/match/default", json=address).status_code == 400
        person = {
            "queries": {
                "q": {"schema": "Person", "properties": {"firstName": "Rosob", "lastName": "X"}}
            }
        }
        assert client.post("/match/default", json=person).status_code == 200


def test_search_and_entities(server: Server) -> None:
    with _client(server) as client:
        found = client.get("/search/default", params={"q": "hikvision"})
        assert found.status_code == 200, found.text
        body = found.json()
        assert set(body) >= {"results", "total", "limit", "offset", "facets"}
        assert body["results"][0]["id"] == "EL:hikvision"
        assert set(body["results"][0]) >= ENTITY_KEYS
        datasets = body["facets"]["datasets"]["values"]
        assert {"name": "chainwatch_el", "label": "chainwatch_el", "count": 1} in datasets
        assert (
            client.get("/search/default", params={"q": "hikvision", "schema": "Person"}).json()[
                "results"
            ]
            == []
        )
        one = client.get("/entities/SDN:10380")
        assert one.status_code == 200
        entity = one.json()
        assert set(entity) >= ENTITY_KEYS and entity["schema"] == "Company"
        assert "ROSOBORONEKSPORT" in entity["properties"]["alias"]
        assert "RUSSIA-EO14024" in entity["properties"]["program"]
        assert client.get("/entities/SDN:0").status_code == 404


def test_catalog_and_algorithms(server: Server) -> None:
    with _client(server) as client:
        catalog = client.get("/catalog").json()
        names = [d["name"] for d in catalog["datasets"]]
        assert names[0] == "default" and {"chainwatch_el", "chainwatch_sdn"} <= set(names)
        default = catalog["datasets"][0]
        assert default["entity_count"] == sum(d["entity_count"] for d in catalog["datasets"][1:])
        algorithms = client.get("/algorithms").json()
        assert algorithms["best"] == algorithms["algorithms"][0]["name"]
        reply = client.post(f"/match/default?algorithm={algorithms['best']}", json=YENTE_MATCH_BODY)
        assert reply.status_code == 200
    assert httpx.get(f"{server.url}/healthz", timeout=10).json() == {"status": "ok"}


def test_watchman_v2_search(server: Server) -> None:
    with _client(server, scheme="Bearer") as client:
        reply = client.get(
            "/v2/search",
            params={"name": "Rosoboronexport", "type": "business", "limit": 2, "minMatch": 0.7},
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["query"]["name"] == "Rosoboronexport" and body["query"]["entityType"]
        top = body["entities"][0]
        assert {"name", "entityType", "sourceList", "sourceID", "addresses", "match"} <= set(top)
        assert (top["sourceList"], top["sourceID"], top["entityType"]) == (
            "us_ofac",
            "10380",
            "business",
        )
        assert top["business"]["altNames"] and top["person"] is None
        assert top["match"] >= 0.7 and len(body["entities"]) <= 2
        assert "RUSSIA-EO14024" in top["sanctionsInfo"]["programs"]
        by_id = client.get("/v2/search", params={"sourceID": "10380"}).json()
        assert [e["name"] for e in by_id["entities"]] == ["ROSOBORONEXPORT"]
        csl = client.get("/v2/search", params={"name": "Hikvision", "source": "us_ofac"}).json()
        assert csl["entities"] == []
        assert client.get("/v2/search", params={"type": "person"}).status_code == 400
        assert client.get("/v2/search", params={"name": "x", "type": "alien"}).status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/match/default"), ("GET", "/search/default?q=x"), ("GET", "/entities/SDN:10380"),
     ("GET", "/v2/search?name=x")],
)  # fmt: skip
def test_compatible_routes_need_a_key(server: Server, method: str, path: str) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        reply = anonymous.request(method, path, json=YENTE_MATCH_BODY)
        assert reply.status_code == 401
        bad = anonymous.request(
            method, path, json=YENTE_MATCH_BODY, headers={"Authorization": "ApiKey wrong"}
        )
        assert bad.status_code == 401


def test_openapi_types_hits_and_results(server: Server) -> None:
    schema = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    components = schema["components"]["schemas"]
    assert {"Hit", "FeatureScore", "ScoredEntity", "MatchResponse", "WatchmanEntity"} <= set(
        components
    )
    assert components["ScreenResponse"]["properties"]["hits"]["items"]["$ref"].endswith("/Hit")
    assert {"/match/{dataset}", "/search/{dataset}", "/entities/{entity_id}", "/v2/search"} <= set(
        schema["paths"]
    )


def test_erp_exports_upload_through_the_batch_api(server: Server) -> None:
    """The API's batch upload reads files with the same reader: a Windows-1252 `;` export is
    read, and a header-only export is an empty job, not an error."""
    import time

    legacy = "Kunde;Name 1;Land\r\n100235;Hangzhou Hikvision Digital Technology;CN\r\n"
    cases = [
        ("KNA1.csv", legacy.encode("cp1252"), 1),
        ("KNA1_empty.csv", "Kunde;Name 1;Land\r\n".encode("cp1252"), 0),
    ]
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.keys['analyst']}"}
    ) as client:
        for filename, content, total in cases:
            reply = client.post("/api/v1/batches", files={"file": (filename, content)})
            assert reply.status_code == 202, reply.text
            assert reply.json()["total"] == total
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = client.get(reply.json()["status_url"]).json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.1)
            assert job["status"] == "done", job
