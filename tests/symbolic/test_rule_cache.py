"""The rule texts of `functions` and `tape`, derived once into a generated module (rule_cache)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from gradcli.engine.primitives import REGISTRY
from gradcli.symbolic import catalog, rule_cache, rule_texts, rules


def test_the_generated_module_is_what_the_registry_derives_now():
    # after changing the registry: python -m gradcli.symbolic.rule_cache
    assert rule_cache.GENERATED.read_text() == rule_cache.generate()


def test_the_generated_texts_are_used_while_the_sources_are_unchanged():
    assert rule_cache.cached() is rule_texts
    assert rule_texts.CATALOG["sin"] == ("sin(x)", "cos(x)")


def test_a_stale_module_is_not_used_and_the_texts_are_derived_again(monkeypatch):
    fresh = catalog.entries()
    monkeypatch.setattr(rule_texts, "FINGERPRINT", "stale")
    assert rule_cache.cached() is None
    rules._sympy_rules.cache_clear()
    try:
        assert catalog.entries() == fresh
        rule = rules._sympy_rules(REGISTRY["multiply"])
        assert rule[0].symbols == "d/da (a*b) = b" and rule[0].derived
    finally:
        rules._sympy_rules.cache_clear()


def test_the_fingerprint_follows_the_registrys_content(monkeypatch):
    assert rule_cache.fingerprint() == rule_texts.FINGERPRINT
    sin = REGISTRY["sin"]
    monkeypatch.setitem(REGISTRY, "sin", dataclasses.replace(sin, sympy=lambda sp, x: sp.cos(x)))
    assert rule_cache.fingerprint() != rule_texts.FINGERPRINT
    monkeypatch.setitem(REGISTRY, "sin", dataclasses.replace(sin, convention="another"))
    assert rule_cache.fingerprint() != rule_texts.FINGERPRINT
    monkeypatch.setitem(REGISTRY, "sin", sin)
    assert rule_cache.fingerprint() == rule_texts.FINGERPRINT


def test_the_fingerprint_is_the_same_in_every_process():
    code = "from gradcli.symbolic.rule_cache import fingerprint; print(fingerprint())"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert runs == {rule_texts.FINGERPRINT + "\n"}
