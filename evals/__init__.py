"""Evaluation question sets, the runner, metrics and reports."""
