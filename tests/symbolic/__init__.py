"""Tests of gradcli.symbolic: the cross-check against sympy and finite differences."""
