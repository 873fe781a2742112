"""The vector store side: embeddings, Chroma, the catalog of ingested sources.

``chromadb`` is imported in this package only.
"""
