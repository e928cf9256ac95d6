"""The web chat the city hosts: the same assistant in a browser, without a messenger."""
