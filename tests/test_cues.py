"""The cue lists of data/vocabulary/cues/: words that tell the intent model and the language
guess what a message is, one list per language."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from intake.language_guess import word_list_texts
from intake.vocabulary import VOCABULARY_DIR, default_cues, load_cues
from nlu_components.words import find_typos, typo_index

LANGUAGES = ("de", "en", "uk", "ru", "ar", "tr", "fa", "ro", "bg", "pl")


@pytest.fixture()
def vocabulary_dir(tmp_path: Path) -> Path:
    """A copy of the word lists with two small cue files of its own."""
    directory = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, directory)
    shutil.rmtree(directory / "cues")
    (directory / "cues").mkdir()
    (directory / "cues" / "de.yml").write_text(
        '"no": ["nein", "ne", "nee"]\nthanks: ["danke", "vielen dank"]\n', encoding="utf-8")
    (directory / "cues" / "tr.yml").write_text(
        'question: ["ne", "nerede"]\nthanks: ["teşekkürler", "sağol"]\n', encoding="utf-8")
    return directory


def test_a_cue_is_found_in_any_language_and_a_word_may_differ_between_languages(
        vocabulary_dir: Path) -> None:
    cues = load_cues(vocabulary_dir)
    assert cues.codes("Vielen Dank!") == {"thanks"}
    assert cues.codes("tesekkurler") == {"thanks"}
    # "ne" is no in German and what in Turkish: both cues, the model weighs them.
    assert cues.codes("ne") == {"no", "question"}
    assert cues.codes("ich wohne in haan") == set()


def test_a_phrase_under_two_cues_of_one_language_is_refused(vocabulary_dir: Path) -> None:
    (vocabulary_dir / "cues" / "de.yml").write_text(
        '"no": ["nein"]\nthanks: ["danke", "Nein!"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="Nein!. stands for both no and thanks"):
        load_cues(vocabulary_dir)


def test_the_language_guess_learns_a_languages_cues_and_word_lists(vocabulary_dir: Path) -> None:
    texts = word_list_texts("tr", vocabulary_dir)
    assert {"nerede", "sağol"} <= set(texts)
    assert "nein" not in texts
    assert any("bilmiyorum" in text for text in texts)  # languages/tr.yml


def test_every_language_has_every_cue() -> None:
    files = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
             for path in (VOCABULARY_DIR / "cues").glob("*.yml")}
    assert sorted(files) == sorted(LANGUAGES)
    cues = set(files["de"])
    for language, cue_lists in files.items():
        assert set(cue_lists) == cues, language
        assert all(cue_lists[cue] for cue in cues), language
    assert set(default_cues().by_language) == set(LANGUAGES)


def test_a_cue_named_yes_or_no_without_quotes_is_refused(vocabulary_dir: Path) -> None:
    (vocabulary_dir / "cues" / "de.yml").write_text('no: ["nein"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="quotes"):
        load_cues(vocabulary_dir)


def test_a_word_with_one_letter_wrong_names_its_cue_as_a_typo() -> None:
    synonyms = {("danke",): "thanks", ("termin",): "appointment", ("nein",): "no",
                ("vielen", "dank"): "thanks", ("ja",): "yes"}
    index = typo_index(synonyms, "|")

    def typos(text: str) -> set[str]:
        return find_typos(text.split(" "), synonyms, index, "|")

    assert typos("dake") == {"thanks"}          # a letter left out
    assert typos("dannke") == {"thanks"}        # one added
    assert typos("tremin bitte") == {"appointment"}  # two swapped
    assert typos("termon") == {"appointment"}   # one typed wrong
    assert typos("danke") == set()              # the word itself is a cue, not a typo
    assert typos("ja jo") == set()              # too short to guess
    assert typos("dnk") == set()                # two letters off
    assert typos("nain") == {"no"}
