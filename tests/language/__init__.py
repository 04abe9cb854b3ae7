"""Tests of gradcli.language: the tokenizer and parser, and declared values."""
