"""Report folder names (slugs): readable, never empty, distinct for distinct names, capped."""

from __future__ import annotations

import re

import pytest

from workbook.schema import SLUG_MAX, slugify

SAFE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Cloud × Northwind Systems", "acme-cloud-x-northwind-systems"),
        ("东方电子 × 华为", "dong-fang-dian-zi-x-hua-wei"),
        ("Ünïcødé GmbH", "unicode-gmbh"),
        ("Brightdesk × Tandem & Co <Integrations>", "brightdesk-x-tandem-co-integrations"),
    ],
)
def test_names_are_transliterated_into_readable_folders(name, slug):
    assert slugify(name) == slug


def test_emoji_only_names_get_distinct_stable_folders():
    names = ["🚀🤝", "💡🔥", "🚀 🤝", "&", "   "]
    slugs = [slugify(n) for n in names]
    assert all(SAFE.fullmatch(s) and s.startswith("alliance-") for s in slugs), slugs
    assert len(set(slugs)) == len(names)
    assert slugs == [slugify(n) for n in names]  # the same name gives the same folder every run


def test_long_names_are_capped_and_stay_apart():
    base = "Global Strategic Alliance Between Very Long Company Name Incorporated And Another " * 2
    a, b = slugify(base + "Europe"), slugify(base + "Asia")
    assert len(a) <= SLUG_MAX and len(b) <= SLUG_MAX
    assert a != b
    assert SAFE.fullmatch(a) and a.startswith("global-strategic-alliance")
    assert len(slugify("x" * 500)) <= SLUG_MAX
