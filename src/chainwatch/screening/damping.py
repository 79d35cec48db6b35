"""Words that say little about *which* party a name is: place names and generic business
words, and the factors that damp their weight. Shared by chainwatch-v2 (screening/index.py)
and chainwatch-v3 (screening/v3_index.py), so that v3 does not import v2's index module.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from chainwatch.text.normalize import name_forms

__all__ = ["GENERIC_FACTOR", "PLACE_FACTOR", "damped_words"]

PLACE_FACTOR = 0.25  # weight multiplier for place names (Hangzhou, Beijing, Moscow)
GENERIC_FACTOR = 0.35  # weight multiplier for generic business words (Technology, Trading)


@lru_cache(maxsize=1)
def damped_words() -> tuple[frozenset[str], frozenset[str]]:
    """(place words, generic words): tokens that say little about *which* party it is."""
    import pycountry

    base = resources.files("chainwatch.data") / "text"

    def read(name: str) -> set[str]:
        lines = (base / name).read_text(encoding="utf-8").splitlines()
        return {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}

    places = read("place_words.txt")
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                for form in name_forms(str(value)):
                    places.update(form.tokens)
    for sub in pycountry.subdivisions.get(country_code="CN") or []:  # type: ignore[no-untyped-call]
        for form in name_forms(str(sub.name)):
            places.update(t for t in form.tokens if t not in {"sheng", "shi", "zizhiqu"})
    generic: set[str] = set()
    for word in read("generic_words.txt"):
        for form in name_forms(word):
            generic.update(form.tokens)
    places -= {"republic", "state", "united", "island", "people", "democratic", "federation"}
    return frozenset(places), frozenset(generic)
