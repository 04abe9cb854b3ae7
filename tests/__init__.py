"""The tests, one folder per part of gradcli; at the top, what spans the whole project."""
