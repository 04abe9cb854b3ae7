"""Tests of gradcli.commands: each command as a user runs it, and its help."""
