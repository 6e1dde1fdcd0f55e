#!/usr/bin/env python3
"""Matomo device-detector test fixtures (LGPL-3.0-or-later) -> corpus files.

Usage: convert_matomo.py DEVICE_DETECTOR_CHECKOUT [--origin matomo-org/device-detector@COMMIT]

Reads Tests/fixtures/*.yml of a checkout of the device-detector repository (the packages on the
registries do not ship the fixtures). Writes
  collector/tests/corpus/bots/matomo-bots.txt      every UA of bots.yml
  collector/tests/corpus/humans/matomo-browsers.txt UAs of the other fixtures whose client type is
                                                    "browser" (not library, feed reader,
                                                    mediaplayer, pim, mobile app); UAs also listed
                                                    under bots/ are dropped later by
                                                    scripts/corpus/drop_bot_overlap.py
  collector/tests/corpus/devices/matomo.tsv         class<TAB>ua<TAB>hints for every non-bot
                                                    fixture with a device type

Device classes: smartphone, phablet, feature phone -> mobile; tablet -> tablet; tv -> tv;
console -> console; desktop -> desktop; smart display, car browser, camera, wearable, portable
media player, peripheral, smart speaker -> other. Fixtures without a device type are skipped.

hints: the fixture's request headers as a JSON object in wire form: names lower-case,
`http-x-requested-with` -> `x-requested-with`, structured-field string values quoted as browsers
send them (`sec-ch-ua-platform: "Android"`, Matomo's fixtures often leave the quotes out),
`sec-ch-ua-mobile` as `?0`/`?1`, and fixtures written as navigator.userAgentData (brands,
platform, model, ...) rewritten as the Sec-CH-UA-* headers that carry the same values. Empty when
the fixture has no headers.
"""

import argparse
import glob
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

CLASS = {
    "smartphone": "mobile", "phablet": "mobile", "feature phone": "mobile",
    "tablet": "tablet", "tv": "tv", "console": "console", "desktop": "desktop",
    "smart display": "other", "car browser": "other", "camera": "other", "wearable": "other",
    "portable media player": "other", "peripheral": "other", "smart speaker": "other",
}

# Sec-CH-UA-* headers whose value is a structured-field string ("...").
SF_STRING = {
    "sec-ch-ua-platform", "sec-ch-ua-platform-version", "sec-ch-ua-model",
    "sec-ch-ua-full-version", "sec-ch-ua-arch", "sec-ch-ua-bitness",
}
SF_BOOLEAN = {"sec-ch-ua-mobile", "sec-ch-ua-wow64"}
# navigator.userAgentData field -> header
UA_DATA = {
    "platform": "sec-ch-ua-platform", "platformversion": "sec-ch-ua-platform-version",
    "model": "sec-ch-ua-model", "uafullversion": "sec-ch-ua-full-version",
    "architecture": "sec-ch-ua-arch", "bitness": "sec-ch-ua-bitness",
    "mobile": "sec-ch-ua-mobile", "wow64": "sec-ch-ua-wow64",
    "brands": "sec-ch-ua", "fullversionlist": "sec-ch-ua-full-version-list",
    "formfactors": "sec-ch-ua-form-factors",
}


def quote(v):
    v = str(v)
    if len(v) >= 2 and v.startswith('"') and v.endswith('"'):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def brand_list(v):
    if isinstance(v, list):
        return ", ".join(f'{quote(b.get("brand", ""))};v={quote(b.get("version", ""))}' for b in v)
    return str(v)


def normalise_hints(headers):
    out = {}
    for key, value in (headers or {}).items():
        k = str(key).lower()
        if k == "http-x-requested-with":
            k = "x-requested-with"
        k = UA_DATA.get(k, k)
        if k in ("sec-ch-ua", "sec-ch-ua-full-version-list"):
            v = brand_list(value)
        elif k in SF_BOOLEAN:
            s = str(value).strip()
            v = s if s.startswith("?") else ("?1" if s.lower() in ("1", "true") else "?0")
        elif k in SF_STRING:
            v = quote(value)
        elif k == "sec-ch-ua-form-factors":
            items = value if isinstance(value, list) else [value]
            v = ", ".join(quote(x) if not str(x).startswith('"') else str(x) for x in items)
        else:
            v = str(value)
        if any(c in v for c in "\t\r\n"):
            continue
        out[k] = v
    return out


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout")
    ap.add_argument("--origin", help="label for the header, default matomo-org/device-detector@<git HEAD>")
    a = ap.parse_args()
    origin = common.origin_of(a.checkout, "matomo-org/device-detector", a.origin)
    fixtures = os.path.join(a.checkout, "Tests", "fixtures")
    files = sorted(glob.glob(os.path.join(fixtures, "*.yml")))
    if not files:
        sys.exit(f"no fixtures under {fixtures}")

    bots = common.dedupe(
        ua for ua in (common.clean_ua(e.get("user_agent")) for e in load(os.path.join(fixtures, "bots.yml"))) if ua
    )
    browsers, devices = [], []
    for path in files:
        if os.path.basename(path) == "bots.yml":
            continue
        for e in load(path):
            ua = common.clean_ua(e.get("user_agent"))
            if not ua or e.get("bot"):
                continue
            client = e.get("client") if isinstance(e.get("client"), dict) else {}
            if client.get("type") == "browser":
                browsers.append(ua)
            device = e.get("device") if isinstance(e.get("device"), dict) else {}
            cls = CLASS.get(device.get("type") or "")
            if cls is None:
                if device.get("type"):
                    print(f"warning: unmapped device type {device.get('type')!r}", file=sys.stderr)
                continue
            devices.append("\t".join((cls, ua, common.hints_json(normalise_hints(e.get("headers"))))))

    lic = "licence: LGPL-3.0-or-later (device-detector and its test fixtures)"
    rel = os.path.relpath(fixtures, a.checkout)
    common.write_lines(
        os.path.join(common.BOTS_DIR, "matomo-bots.txt"),
        [f"origin: {origin} {rel}/bots.yml", lic,
         "one bot User-Agent per line; generated by scripts/corpus/convert_matomo.py"],
        bots,
    )
    common.write_lines(
        os.path.join(common.HUMANS_DIR, "matomo-browsers.txt"),
        [f"origin: {origin} {rel}/*.yml (not bots.yml), entries whose client type is \"browser\"", lic,
         "one browser User-Agent per line; generated by scripts/corpus/convert_matomo.py,",
         "UAs also listed under bots/ removed"],
        common.dedupe(browsers),
    )
    common.write_lines(
        os.path.join(common.DEVICES_DIR, "matomo.tsv"),
        [f"origin: {origin} {rel}/*.yml (not bots.yml), entries with a device type", lic,
         "class<TAB>ua<TAB>hints (JSON object of request headers in wire form, or empty);",
         "classes: desktop mobile tablet tv console other; mapping and hint normalisation:",
         "see scripts/corpus/convert_matomo.py, which generated this file"],
        common.dedupe(devices),
    )


if __name__ == "__main__":
    main()
