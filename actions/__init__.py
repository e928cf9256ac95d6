"""Custom actions of kim-intake, served by rasa-sdk (``rasa_sdk --actions actions``).

One module per feature; the executor imports every submodule of this package.
"""
