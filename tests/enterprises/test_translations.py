"""The Korean catalogue: labels read in Korean by default and in English when asked."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from enterprises.models import Enterprise, Institution, Membership, Province

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"


def test_a_cooperative_is_called_hyeopdongjohap_in_korean_and_cooperative_in_english():
    with translation.override("ko"):
        assert str(Enterprise.Kind.COOPERATIVE.label) == "협동조합"
    with translation.override("en"):
        assert str(Enterprise.Kind.COOPERATIVE.label) == "Cooperative (협동조합)"


def test_labels_carrying_their_korean_term_become_just_the_korean_term():
    with translation.override("ko"):
        assert str(Enterprise.Kind.PRE_SOCIAL.label) == "예비사회적기업"
        assert str(Enterprise.Kind.SOCIAL_COOPERATIVE.label) == "사회적협동조합"
        assert str(Institution.Kind.CREDIT_GUARANTEE_FOUNDATION.label) == "신용보증재단"
        assert str(Province.SEOUL.label) == "서울특별시"
        assert str(Membership.Role.OWNER.label) == "대표"


def test_field_names_are_translated_by_default():
    """LANGUAGE_CODE is ko, so with no language activated the Korean catalogue is used."""
    assert str(Enterprise._meta.get_field("vulnerable_employees").verbose_name) == "취약계층 고용 인원"
    assert str(Enterprise._meta.verbose_name) == "사회적경제기업"


def test_the_compiled_catalogue_is_there():
    assert (CATALOGUE / "django.mo").stat().st_size > 0


def test_every_message_in_the_catalogue_is_translated_and_none_is_fuzzy():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = [entry for entry in re.split(r"\n\s*\n", text) if re.search(r'^msgid "', entry, re.M)]
    untranslated, fuzzy = [], []
    for entry in entries:
        msgid = "".join(re.findall(r'"(.*)"', entry.split("msgid ", 1)[1].split("\nmsgstr", 1)[0]))
        if not msgid:  # the header
            continue
        if re.search(r"^#,.*\bfuzzy\b", entry, re.M):
            fuzzy.append(msgid)
        for msgstr in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", re.M):
            if not "".join(re.findall(r'"(.*)"', msgstr)):
                untranslated.append(msgid)
    assert len(entries) > 50
    assert untranslated == []
    assert fuzzy == []
