"""A Rasa NLU featurizer: which word lists of ``data/vocabulary`` a message names.

The intent classifier sees words and character n-grams; it does not know that "کیتا",
"kita" and "детский сад" are all a school need, or that "нет" and "hayır" are replies. The
word lists that the action server reads answers with (``data/vocabulary/*.yml`` and
``languages/<language>.yml``) know it, in all ten languages. This component adds one
sentence feature per list a message names (``needs``, ``replies``, ``countries`` …), one
per code (``needs:school``, ``replies:dont_know`` …), one for a number, in words or digits,
one per cue of ``data/vocabulary/cues/<language>.yml`` (``cue:thanks`` for "спасибо",
"merci" and "mamnoon" alike), which only this model reads, one per cue a word names with a
letter wrong (``cue_typo:thanks`` for "thenks"), and one for the message's length
in words (1 to 6 or more: an answer is short, a question longer; count vectors cannot tell).
Measured in docs/languages.md (issue 3).

The lists are read when the model is trained (with ``intake.vocabulary``, so they are merged
exactly as the action server merges them) and stored in the model: at run time the component
needs neither the app's package nor the data files, only Rasa and the standard library (the
Rasa server runs from the official image, which mounts only the model, bot/ and this folder).
Messages are read with ``nlu_components.words``, as the action server reads them.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.words import CUE_SEPARATOR, find_synonyms, find_typos, normalise, typo_index

LISTS = ("countries", "municipalities", "residence_statuses", "benefits", "needs",
         "contact_modes", "languages", "replies", "no_papers")
FILE = "vocabulary.json"
# The features in the order the classifier learnt them. A model without this file was made
# before the cue and length features: its classifier knows only the lists' features.
FEATURES_FILE = "features.json"
# The cue lists of all languages are stored as one list; a phrase that is a different cue in
# another language ("ne": no in German, what in Turkish) has both codes.
CUES = "cues"
LONGEST = 6  # "words:6" stands for six words or more


class _List:
    """One word list as stored in the model: synonyms (word tuples → code) and stems."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.synonyms = {tuple(words.split(" ")): code for words, code in raw["synonyms"]}
        self.stems: Dict[str, str] = raw["stems"]
        self.stem_slack: int = raw["stem_slack"]
        self.longest = max((len(w) for w in self.synonyms), default=1)

    def codes_in(self, words: List[str]) -> List[str]:
        return [code for code, _, _ in find_synonyms(
            words, self.synonyms, self.longest, self.stems, self.stem_slack)]


def _export(word_list: Any) -> Dict[str, Any]:
    return {"synonyms": [[" ".join(words), code] for words, code in word_list.synonyms.items()],
            "stems": dict(word_list.stems), "stem_slack": word_list.stem_slack}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class VocabularyFeaturizer(SparseFeaturizer, GraphComponent):
    """Sentence features: the word lists and codes of data/vocabulary a message names."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config()}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The word lists are data outside the training data: a change retrains."""
        from intake.vocabulary import VOCABULARY_DIR

        digest = hashlib.sha256()
        for path in sorted(Path(VOCABULARY_DIR).rglob("*.yml")):
            digest.update(path.relative_to(VOCABULARY_DIR).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 lists: Optional[Dict[str, Dict[str, Any]]] = None,
                 feature_names: Optional[List[str]] = None,
                 cues_and_length: bool = True) -> None:
        """``feature_names``: the layout a stored model's classifier learnt; without it, the
        layout is made from the lists, with the cue and length features or (a model made
        before them) without."""
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._set_lists(lists or {}, feature_names, cues_and_length)

    def _set_lists(self, lists: Dict[str, Dict[str, Any]],
                   feature_names: Optional[List[str]] = None,
                   cues_and_length: bool = True) -> None:
        self._raw = lists
        self._lists = {name: _List(raw) for name, raw in lists.items()}
        self._cues = self._lists.get(CUES)
        self._cue_typos = typo_index(self._cues.synonyms, CUE_SEPARATOR) if self._cues else {}
        self._names = (feature_names if feature_names is not None
                       else self._feature_names(cues_and_length))
        self._index = {feature: i for i, feature in enumerate(self._names)}

    def _feature_names(self, cues_and_length: bool) -> List[str]:
        names = ["number"]
        if cues_and_length:
            names += [f"words:{n}" for n in range(1, LONGEST + 1)]
        for name in LISTS:
            if name in self._lists:
                names.append(name)
                codes = set(self._lists[name].synonyms.values()) | set(self._lists[name].stems.values())
                names += sorted(f"{name}:{code}" for code in codes)
        if self._cues and cues_and_length:
            cues = sorted({code for codes in self._cues.synonyms.values()
                           for code in codes.split(CUE_SEPARATOR)})
            names += [f"cue:{code}" for code in cues] + [f"cue_typo:{code}" for code in cues]
        return names

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VocabularyFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_data: TrainingData) -> Resource:
        from intake.vocabulary import load_cues, load_vocabulary

        vocabulary = load_vocabulary()
        lists = {name: _export(getattr(vocabulary, name)) for name in LISTS}
        lists["numbers"] = _export(vocabulary.numbers.words)
        lists[CUES] = _export(load_cues().merged)
        self._set_lists(lists)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps(lists, ensure_ascii=False), encoding="utf-8")
            (directory / FEATURES_FILE).write_text(json.dumps(self._names, ensure_ascii=False),
                                                   encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "VocabularyFeaturizer":
        with model_storage.read_from(resource) as directory:
            lists = json.loads((directory / FILE).read_text(encoding="utf-8"))
            names = (json.loads((directory / FEATURES_FILE).read_text(encoding="utf-8"))
                     if (directory / FEATURES_FILE).exists() else None)
        return cls(config, model_storage, resource, execution_context, lists, names,
                   cues_and_length=names is not None)

    def features(self, text: str) -> scipy.sparse.coo_matrix:
        words = normalise(text).split(" ")
        named = {f"words:{min(len(words), LONGEST)}"} if words != [""] else set()
        if any(ch.isdigit() for ch in text) or (
                "numbers" in self._lists and self._lists["numbers"].codes_in(words)):
            named.add("number")
        for name in LISTS:
            codes = self._lists[name].codes_in(words) if name in self._lists else []
            if codes:
                named.add(name)
                named.update(f"{name}:{code}" for code in codes)
        if self._cues:
            named.update(f"cue:{code}" for codes in self._cues.codes_in(words)
                         for code in codes.split(CUE_SEPARATOR))
            named.update(f"cue_typo:{code}" for code in find_typos(
                words, self._cues.synonyms, self._cue_typos, CUE_SEPARATOR))
        columns = sorted(self._index[f] for f in named if f in self._index)
        return scipy.sparse.coo_matrix(([1.0] * len(columns), ([0] * len(columns), columns)),
                                       shape=(1, len(self._index)))

    def _featurize(self, message: Message) -> None:
        # An empty message gets its (empty) features too: the classifier expects every
        # featurizer's columns, and a blank message failed the turn without them.
        text = message.get(TEXT) or ""
        self.add_features_to_message(None, self.features(text), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages
