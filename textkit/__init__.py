"""Pure text helpers shared by ingest and qa: sentences, words, token counts."""
