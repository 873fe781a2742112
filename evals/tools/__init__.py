"""Small command-line tools for writing and checking question sets."""
