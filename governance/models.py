"""Tables of the governance app (filled by its own issue; see DESIGN.md)."""
