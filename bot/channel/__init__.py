"""What every channel (Telegram, the web chat) needs between a newcomer and the Rasa server:
delivery with retries, signed buttons, typed text kept as text, the channel's own texts."""
