"""Tables of the compliance app (filled by its own issue; see DESIGN.md)."""
