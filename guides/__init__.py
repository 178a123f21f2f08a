"""The arrival guides: content models, loading with file:line errors, live reload, checks."""
