"""The intent model's own featurizer (nlu_components/vocabulary_featurizer.py), run inside
Rasa's virtualenv: what a message names of the word lists and cues, before and after the
model is stored and loaded."""
from __future__ import annotations

import textwrap

from tests.test_rasa_server import in_rasa

# A featurizer trained on the project's word lists and stored, then loaded again.
TRAINED_AND_LOADED = textwrap.dedent("""
    import json, tempfile
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from nlu_components.vocabulary_featurizer import FEATURES_FILE, VocabularyFeaturizer

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource = Resource("vocabulary")
    context = ExecutionContext(GraphSchema({}), node_name="vocabulary")
    config = VocabularyFeaturizer.get_default_config()
    featurizer = VocabularyFeaturizer.create(config, storage, resource, context)
    featurizer.train(TrainingData())
    loaded = VocabularyFeaturizer.load(config, storage, resource, context)
""")


def test_cues_of_every_language_are_features_and_survive_loading_the_model() -> None:
    before, after = in_rasa(TRAINED_AND_LOADED + textwrap.dedent("""
        texts = ["спасибо большое", "merci beaucoup", "çok teşekkürler", "vielen dank",
                 "wo ist das jobcenter", "gruiten 42", "dziekuje bardzo", "thamks"]

        def named(model, text):
            names = {i: f for f, i in model._index.items()}
            return sorted(names[c] for c in model.features(text).col)

        for model in (featurizer, loaded):
            print(json.dumps({text: named(model, text) for text in texts}))
    """))
    assert before == after
    for text in ("спасибо большое", "çok teşekkürler", "vielen dank", "dziekuje bardzo"):
        assert "cue:thanks" in before[text], text
    assert {"cue:question", "cue:jobcenter"} <= set(before["wo ist das jobcenter"])
    assert not [f for f in before["gruiten 42"] if f.startswith("cue")]
    assert "cue_typo:thanks" in before["thamks"]


def test_a_messages_length_in_words_is_one_feature() -> None:
    [named] = in_rasa("""
        import json
        from nlu_components.vocabulary_featurizer import VocabularyFeaturizer
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        import tempfile
        from pathlib import Path

        featurizer = VocabularyFeaturizer.create(
            VocabularyFeaturizer.get_default_config(), LocalModelStorage(Path(tempfile.mkdtemp())),
            Resource("v"), ExecutionContext(GraphSchema({}), node_name="v"))
        names = {i: f for f, i in featurizer._index.items()}
        print(json.dumps({text: sorted(names[c] for c in featurizer.features(text).col
                                       if names[c].startswith("words:"))
                          for text in ["ja", "ich   wohne, in haan!", "a b c d e f g h", "", "?!"]}))
    """)
    assert named == {"ja": ["words:1"], "ich   wohne, in haan!": ["words:4"],
                     "a b c d e f g h": ["words:6"], "": [], "?!": []}


def test_a_model_made_before_the_cue_features_keeps_the_features_its_classifier_learnt() -> None:
    same_as_trained, old_layout = in_rasa(TRAINED_AND_LOADED + textwrap.dedent("""
        print(json.dumps(loaded._index == featurizer._index))
        with storage.write_to(resource) as directory:  # as a model of the round before
            (directory / FEATURES_FILE).unlink()
        old = VocabularyFeaturizer.load(config, storage, resource, context)
        print(json.dumps(sorted(old._index, key=old._index.get)))
    """))
    assert same_as_trained is True
    assert old_layout[0] == "number"
    assert not [name for name in old_layout if name.startswith(("cue", "words:"))]
    assert "needs:school" in old_layout
