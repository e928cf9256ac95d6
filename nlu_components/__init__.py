"""Custom Rasa NLU components of kim-intake (run in Rasa's virtualenv, listed in config.yml)."""
