"""Ingest: source files -> paragraphs -> token-bounded chunks -> Chroma."""
