"""Tests of gradcli.render: the report as JSON, plain text and tables."""
