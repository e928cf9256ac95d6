"""The Telegram gateway: python-telegram-bot between Telegram and the Rasa server."""
