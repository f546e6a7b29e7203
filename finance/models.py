"""Tables of the finance app (filled by its own issue; see DESIGN.md)."""
