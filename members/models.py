"""Tables of the members app (filled by its own issue; see DESIGN.md)."""
