"""The staff console for caseworkers and the integration centre."""
