"""Where the project's data files live (overridable for tests and deployments)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("KIM_DATA_DIR", PROJECT_DIR / "data"))
LOCALES_DIR = Path(os.environ.get("KIM_LOCALES_DIR", PROJECT_DIR / "locales"))
