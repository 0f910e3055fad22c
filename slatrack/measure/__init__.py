"""Pure measurement core: plain records in, plain figures out. No Flask, no SQLAlchemy."""
