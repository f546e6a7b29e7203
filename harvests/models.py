"""Tables of the harvests app (filled by its own issue; see DESIGN.md)."""
