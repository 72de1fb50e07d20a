#!/usr/bin/env python3
"""Runs `onboarder-cli parse` on a code that is not a device label, in
English and in German, and checks that the message comes out translated
with the text of po/de.po while the machine-readable reason stays the same.

German is selected with LANGUAGE=de over the C.UTF-8 locale, which exists on
every Debian system: glibc honours LANGUAGE for any locale but plain "C", so
no de_DE locale has to be generated. ONB_LOCALEDIR points gettext at the
catalogs built in the build tree.

usage: check-translation.py ONBOARDER_CLI DE_PO LOCALEDIR
"""

import ast
import json
import os
import subprocess
import sys
import tempfile

MSGID = ("This is not a device label. Scan the QR code on the device's box "
         "label (it starts with LW:D0: or sqr_).")
CODE = "hello warehouse"


def po_catalog(path):
    """msgid -> msgstr of the translated, non-fuzzy entries of a .po file."""
    catalog = {}
    entry = {}
    field = None
    fuzzy = False

    def flush():
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            catalog[entry["msgid"]] = entry["msgstr"]

    with open(path, encoding="utf-8") as po:
        for line in po:
            line = line.strip()
            if not line:
                flush()
                entry, field, fuzzy = {}, None, False
            elif line.startswith("#,"):
                fuzzy = "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if field:
                    entry[field] += ast.literal_eval(line)
            else:
                field, _, value = line.partition(" ")
                if field in ("msgid", "msgstr"):
                    entry[field] = ast.literal_eval(value)
                else:
                    field = None
    flush()
    return catalog


def parse(cli, language, config_home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE", "ONBOARDER_CONFIG")}
    env.update(LANG="C.UTF-8", XDG_CONFIG_HOME=config_home)
    if language:
        env["LANGUAGE"] = language
    result = subprocess.run([cli, "parse", "--json", "--profile-ids", "000AF8BE", CODE],
                            env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 1:
        sys.exit(f"expected exit status 1 for a rejected code, got {result.returncode}\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[0])


def main():
    cli, de_po, localedir = sys.argv[1:4]
    german = po_catalog(de_po).get(MSGID)
    if not german or german == MSGID:
        sys.exit(f"po/de.po has no translation of: {MSGID}")

    with tempfile.TemporaryDirectory() as config_home:
        os.environ["ONB_LOCALEDIR"] = localedir
        english = parse(cli, None, config_home)
        deutsch = parse(cli, "de", config_home)

    print("C.UTF-8:          ", english["message"])
    print("LANGUAGE=de:      ", deutsch["message"])
    failures = []
    if english["message"] != MSGID:
        failures.append("the English message is not the source text")
    if deutsch["message"] != german:
        failures.append(f"the German message is not the one of po/de.po: {german!r}")
    if english["reason"] != "not-a-device-label" or deutsch["reason"] != english["reason"]:
        failures.append(f"the reason must stay 'not-a-device-label' in every language: "
                        f"{english['reason']!r} / {deutsch['reason']!r}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
