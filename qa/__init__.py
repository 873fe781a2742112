"""Answering: retrieve passages, answer from them, cite the paragraphs used."""
