"""Fuzzing todolint's parse → schema → rules path with generated rendered streams (see README)."""
