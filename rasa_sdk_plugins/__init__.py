"""Found by rasa_sdk by this name (rasa_sdk/plugin.py imports it when the action server's app
is made): registers the project's additions to the action server (actions/health.py, and
the warm-up of actions/server.py)."""
from __future__ import annotations

import pluggy


def init_hooks(manager: pluggy.PluginManager) -> None:
    from actions.health import ReadinessRoute
    from actions.server import WarmUp

    manager.register(ReadinessRoute())
    manager.register(WarmUp())
