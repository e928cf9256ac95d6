"""Persistence of kim-intake: the Haan queue of appointment requests."""
