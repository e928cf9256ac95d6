"""Stripping misunderstood messages before they reach the inbox: numbers in any script, phone
numbers, e-mail addresses, links and names, in several languages."""
from __future__ import annotations

import pytest

from actions.misunderstood import vocabulary_words
from intake.redaction import has_words, redact
from intake.vocabulary import normalise

# Words the bot knows (in the project they come from nlu/*.yml and data/vocabulary).
KNOWN_TEXT = """ich brauche hilfe wohnung deutschkurs jobcenter haan hilden polen syrien aleppo
i need help with my flat can you call me tomorrow sie können helfen
وأنا من سوريا أريد مساعدة است من کمک می خواهم kurs
мне нужна помощь я из харкова"""
KNOWN = frozenset(normalise(w) for w in KNOWN_TEXT.split())


@pytest.mark.parametrize("text,expected", [
    # de
    ("Ich heiße Anna Schmidt und brauche Hilfe", "Ich heiße <name> und brauche Hilfe"),
    ("ich heiße ahmad", "ich heiße <name>"),
    ("meine nummer 0176 1234 5678", "meine nummer <telefon>"),
    ("Ich brauche Hilfe bei Tel. Nummer", "Ich brauche Hilfe bei <name>. Nummer"),  # too much
    ("ich brauche Hilfe, tel. +49 (2129) 911-0", "ich brauche Hilfe, tel. <telefon>"),
    ("geboren am 12.03.1999 in Aleppo", "geboren am <datum> in Aleppo"),
    ("ich wohne bei Familie Yilmaz in Haan", "ich wohne bei <name> in Haan"),
    ("Hallo. Wohnung in Hilden, Hauptstraße 5", "Hallo. Wohnung in Hilden, <name> <zahl>"),
    ("ich bin 17 und seit 2020 hier", "ich bin <zahl> und seit <zahl> hier"),
    ("Können Sie helfen? Frau Müller-Lüdenscheidt sagt nein",
     "Können Sie helfen? Frau <name> sagt nein"),
    ("schreiben an anna.s@web.de oder https://haan.de/amt?id=3",
     "schreiben an <email> oder <link>"),
    ("Jobcenter www.jobcenter-me.de", "Jobcenter <link>"),
    # en
    ("my name is Ahmad Karimi, I need help", "my name is <name>, I need help"),
    ("can you call me tomorrow John", "can you call me tomorrow <name>"),
    # ru, uk, bg
    ("Меня зовут Иван Петров, мне 17", "Меня зовут <name>, мне <zahl>"),
    ("мене звати олена, я з Харкова", "мене звати <name>, я з Харкова"),
    ("Казвам се Мария Иванова", "Казвам се <name>"),
    # ar, fa (Arabic-Indic and Persian digits)
    ("اسمي أحمد وأنا من سوريا", "اسمي <name> وأنا من سوريا"),
    ("رقمي ٠١٧٦١٢٣٤٥٦٧", "رقمي <telefon>"),
    ("عمري ١٧ سنة", "عمري <zahl> سنة"),
    ("اسم من علی است و ۲۵ سال دارم", "اسم من <name> است و <zahl> سال دارم"),
    # tr, ro, pl
    ("Benim adım Mehmet, 17 yaşındayım", "Benim adım <name>, <zahl> yaşındayım"),
    ("mă numesc Ion Popescu", "mă numesc <name>"),
    ("Nazywam się Jan Kowalski i potrzebuję pomocy", "Nazywam się <name> i potrzebuję pomocy"),
    # what it leaves alone
    ("ich brauche einen Deutschkurs in Haan", "ich brauche einen Deutschkurs in Haan"),
    ("Ahmad hier", "Ahmad hier"),  # a name at the start of a sentence is not caught
])
def test_redact_replaces_what_could_identify_a_person(text: str, expected: str) -> None:
    assert redact(text, KNOWN) == expected


def test_spaces_and_line_breaks_become_single_spaces() -> None:
    assert redact("  ich   brauche\nhilfe \t ", KNOWN) == "ich brauche hilfe"


@pytest.mark.parametrize("text", ["0176 1234567", "+49 176 1234567 12", "anna@web.de"])
def test_a_message_of_nothing_but_placeholders_has_no_words(text: str) -> None:
    assert not has_words(redact(text, KNOWN))


def test_the_bots_own_words_are_not_taken_for_names() -> None:
    words = vocabulary_words()
    assert redact("Ich komme aus Syrien und suche eine Wohnung in Haan", words) == \
        "Ich komme aus Syrien und suche eine Wohnung in Haan"
    assert redact("Ich komme aus Syrien, mein Name ist Samira Haddad", words) == \
        "Ich komme aus Syrien, mein Name ist <name>"
