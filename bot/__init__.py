"""The bot: Rasa's domain and rules (YAML) and the channels newcomers reach it through."""
