"""Service tickets: lifecycle operations, queries and views, field validation, import and export.

Owns numbering, deadlines kept in step with the event history, and the ticket spreadsheet format."""
