"""gradcli.program."""
