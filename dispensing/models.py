"""Tables of the dispensing app (filled by its own issue; see DESIGN.md)."""
