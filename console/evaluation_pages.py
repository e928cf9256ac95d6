"""The evaluation of the language model (ki_admin): the latest report of `intake evaluate`
(report.json and the confusion matrices in EVALUATION_DIR), or how to make one."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from console import audit
from console.web import page, sessions_of, staff_of
from db.models import ROLE_KI_ADMIN
from intake.evaluate import REPORT_HTML, REPORT_JSON, picture_name
from intake.evaluation_report import WEAK_F1, number, predicted_label

logger = logging.getLogger(__name__)


def load_report(directory: Path) -> dict[str, Any] | None:
    """The latest report, or None when there is none (or it cannot be read)."""
    try:
        report = json.loads((directory / REPORT_JSON).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("the evaluation report cannot be read (%s)", type(exc).__name__)
        return None
    return report if isinstance(report, dict) and "languages" in report else None


def _directory(request: Request) -> Path:
    return Path(request.app.state.settings.evaluation_dir)


async def evaluation_page(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    directory = _directory(request)
    report = load_report(directory)
    audit.record(sessions_of(request), staff, audit.VIEW, detail="Auswertung des Sprachmodells")
    return page(request, "evaluation.html", staff, report=report, weak=WEAK_F1, number=number,
                predicted_label=predicted_label, html_file=directory / REPORT_HTML,
                pictures={lang["language"] for lang in (report or {}).get("languages", [])
                          if (directory / picture_name(lang["language"])).is_file()})


async def evaluation_picture(request: Request) -> Response:
    """The confusion matrix of one language of the latest report (PNG)."""
    staff_of(request, ROLE_KI_ADMIN)
    directory = _directory(request)
    language = request.path_params["language"]
    report = load_report(directory) or {}
    if language not in {lang["language"] for lang in report.get("languages", [])}:
        raise HTTPException(404, "Für diese Sprache gibt es keine Auswertung.")
    path = directory / picture_name(language)
    if not path.is_file():
        raise HTTPException(404, "Für diese Sprache gibt es keine Auswertung.")
    return Response(path.read_bytes(), media_type="image/png")
