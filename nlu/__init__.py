"""Language understanding: the Rasa client and server, routing, language detection, search."""
