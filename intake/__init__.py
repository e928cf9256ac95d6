"""kim-intake: first intake for the integration case management of the city of Haan."""
