"""The evaluation report (``intake evaluate``): its data from the held-out examples and the
model's predictions, and a self-contained German HTML page of it (pictures as data: URIs, so
the file opens anywhere). Pure: data in, data or HTML out. Example texts are escaped.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from jinja2 import Environment

from intake.evaluation import (
    FALLBACK,
    Prediction,
    accuracy,
    confusion,
    intent_scores,
    macro_f1,
)

LANGUAGE_NAMES = {
    "de": "Deutsch", "en": "Englisch", "uk": "Ukrainisch", "ru": "Russisch", "ar": "Arabisch",
    "tr": "Türkisch", "fa": "Farsi/Dari", "ro": "Rumänisch", "bg": "Bulgarisch", "pl": "Polnisch",
}
# Below this F1 an intent is marked: it needs more or more varied examples.
WEAK_F1 = 0.7


@dataclass(frozen=True)
class Case:
    """One held-out example and what the model made of it."""
    language: str
    text: str
    expected: str
    predicted: Prediction


def build_report(cases: Sequence[Case], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The report's data (JSON-ready): per language the intents' precision, recall, F1 and
    support, macro-F1 and accuracy, the confusion matrix and the misclassified examples; the
    same figures over all languages together; ``settings`` (date, share, seed …) as given."""
    languages = sorted({c.language for c in cases})
    return {
        "settings": dict(settings),
        "examples": len(cases),
        "macro_f1": macro_f1([c.expected for c in cases], [c.predicted.intent for c in cases]),
        "accuracy": accuracy([c.expected for c in cases], [c.predicted.intent for c in cases]),
        "languages": [_language(lang, [c for c in cases if c.language == lang])
                      for lang in languages],
    }


def _language(language: str, cases: list[Case]) -> dict[str, Any]:
    gold = [c.expected for c in cases]
    predicted = [c.predicted.intent for c in cases]
    matrix = confusion(gold, predicted)
    errors = sorted((c for c in cases if c.predicted.intent != c.expected),
                    key=lambda c: (c.expected, -(c.predicted.confidence or 0.0), c.text))
    return {
        "language": language,
        "name": LANGUAGE_NAMES.get(language, language),
        "examples": len(cases),
        "macro_f1": macro_f1(gold, predicted),
        "accuracy": accuracy(gold, predicted),
        "intents": [asdict(s) for s in intent_scores(gold, predicted)],
        "confusion": asdict(matrix),
        "errors": [{"text": c.text, "expected": c.expected, "predicted": c.predicted.intent,
                    "confidence": c.predicted.confidence, "guess": c.predicted.guess}
                   for c in errors],
    }


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def number(value: float | None, digits: int = 2) -> str:
    """German decimal comma; an unknown value as a dash."""
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def predicted_label(error: Mapping[str, Any]) -> str:
    if error.get("predicted") == FALLBACK:
        guess = error.get("guess")
        return f"unsicher (am ehesten {guess})" if guess else "unsicher"
    return str(error.get("predicted") or "(keine)")


_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_ENV.filters.update(number=number, predicted_label=predicted_label)
_PAGE = _ENV.from_string("""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Auswertung des Sprachmodells – {{ r.settings.created_at }}</title>
<style>
body { font-family: system-ui, "Segoe UI", Roboto, sans-serif; line-height: 1.45; color: #1a1a1a;
       max-width: 75rem; margin: 1rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin-block: .5rem 1rem; }
th, td { text-align: start; padding: .25rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.n, th.n { text-align: end; font-variant-numeric: tabular-nums; }
tr.weak td, tr.weak th { background: #fff1d6; }
section { border-top: 3px solid #00465e; margin-top: 2rem; }
img { max-width: 100%; height: auto; }
.hint { color: #3d3d3d; }
</style>
</head>
<body>
<h1>Auswertung des Sprachmodells</h1>
<p>Erstellt am {{ r.settings.created_at }} mit <code>{{ r.settings.config }}</code>.
{{ (r.settings.test_share * 100)|round|int }} % der Beispielsätze jeder Absicht und Sprache wurden
zurückgehalten (Zufallsstartwert {{ r.settings.seed }}); das Modell wurde mit den übrigen
{{ r.settings.train_examples }} trainiert und hat die {{ r.examples }} zurückgehaltenen erkannt.</p>
<p><strong>Alle Sprachen zusammen: Makro-F1 {{ r.macro_f1|number }},
{{ (r.accuracy * 100)|round|int }} % richtig erkannt.</strong></p>
<table>
<thead><tr><th scope="col">Sprache</th><th scope="col" class="n">Makro-F1</th><th scope="col" class="n">richtig</th><th scope="col" class="n">Beispiele</th><th scope="col" class="n">falsch erkannt</th></tr></thead>
<tbody>
{% for lang in r.languages %}
<tr><th scope="row"><a href="#{{ lang.language }}">{{ lang.name }} ({{ lang.language }})</a></th><td class="n">{{ lang.macro_f1|number }}</td><td class="n">{{ (lang.accuracy * 100)|round|int }} %</td><td class="n">{{ lang.examples }}</td><td class="n">{{ lang.errors|length }}</td></tr>
{% endfor %}
</tbody>
</table>
<p class="hint">So lesen Sie den Bericht: <em>Präzision</em> heißt, wie oft die erkannte Absicht
stimmt; <em>Trefferquote</em>, wie viele Sätze einer Absicht erkannt wurden; <em>F1</em> fasst
beide zusammen (1 ist perfekt). <em>Makro-F1</em> ist der Durchschnitt über alle Absichten einer
Sprache. Gelb markiert sind Absichten mit F1 unter {{ weak|number(1) }}: dort helfen mehr und
verschiedenere Beispielsätze in <code>nlu/&lt;sprache&gt;.yml</code>. „unsicher“ heißt: das
Modell war sich nicht sicher genug (Schwelle in <code>config.yml</code>); der Bot behandelt die
Nachricht dann als nicht verstanden.</p>
{% for lang in r.languages %}
<section id="{{ lang.language }}">
<h2>{{ lang.name }} ({{ lang.language }}): Makro-F1 {{ lang.macro_f1|number }}</h2>
<table>
<thead><tr><th scope="col">Absicht</th><th scope="col" class="n">Präzision</th><th scope="col" class="n">Trefferquote</th><th scope="col" class="n">F1</th><th scope="col" class="n">Beispiele</th></tr></thead>
<tbody>
{% for s in lang.intents %}
<tr{% if s.f1 < weak %} class="weak"{% endif %}><th scope="row">{{ s.intent }}</th><td class="n">{{ s.precision|number }}</td><td class="n">{{ s.recall|number }}</td><td class="n">{{ s.f1|number }}</td><td class="n">{{ s.support }}</td></tr>
{% endfor %}
</tbody>
</table>
{% if pictures.get(lang.language) %}
<h3>Verwechslungsmatrix</h3>
<p class="hint">Zeilen: die richtige Absicht; Spalten: was das Modell erkannt hat. Alles außerhalb der Diagonale ist eine Verwechslung.</p>
<img src="{{ pictures[lang.language] }}" alt="Verwechslungsmatrix {{ lang.name }}: {{ lang.errors|length }} von {{ lang.examples }} Sätzen falsch erkannt">
{% endif %}
<h3>Falsch erkannte Sätze ({{ lang.errors|length }})</h3>
{% if lang.errors %}
<table>
<thead><tr><th scope="col">Satz</th><th scope="col">richtig wäre</th><th scope="col">erkannt als</th><th scope="col" class="n">Sicherheit</th></tr></thead>
<tbody>
{% for e in lang.errors %}
<tr><td dir="auto">{{ e.text }}</td><td>{{ e.expected }}</td><td>{{ e|predicted_label }}</td><td class="n">{{ e.confidence|number }}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>Keine: alle zurückgehaltenen Sätze wurden richtig erkannt.</p>
{% endif %}
</section>
{% endfor %}
</body>
</html>
""")


def render_html(report: Mapping[str, Any], pictures: Mapping[str, bytes]) -> str:
    """The report as one HTML page; ``pictures``: language → PNG of its confusion matrix."""
    return _PAGE.render(r=report, weak=WEAK_F1,
                        pictures={lang: png_data_uri(png) for lang, png in pictures.items()})
