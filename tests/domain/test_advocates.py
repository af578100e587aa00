from __future__ import annotations

import pytest

from bot.domain.advocates import ROLES, RoleMatch, role_from_profile


@pytest.mark.parametrize(
    ("description", "role", "phrase"),
    [
        # organizations say what the account is
        ("We are a registered charity (no. 1117148).", "organization", "registered charity"),
        ("We are a nonprofit connecting families with trials.", "organization", "nonprofit"),
        ("We're here for every family facing IBD.", "organization", "We're"),
        ("Official account of the Breathe lung cancer network", "organization", "Official account"),
        # clinicians, with the word before the role when it qualifies it
        (
            "Thoracic oncologist at a cancer center. Views my own.",
            "clinician",
            "Thoracic oncologist",
        ),
        ("Board member, XYZ Foundation. Nurse.", "clinician", "Nurse"),
        ("Paediatric oncology nurse and mum", "clinician", "Paediatric oncology nurse"),
        ("IBD nurse specialist | #Crohns", "clinician", "IBD nurse"),
        ("Gastroenterologist, PhD, patient advocate", "clinician", "Gastroenterologist"),
        # researchers
        ("Research scientist studying EGFR resistance", "researcher", "Research scientist"),
        ("Jane Smith PhD. Epidemiology.", "researcher", "PhD"),
        ("PI of the LUNG-1 trial", "researcher", "PI"),
        # media
        ("Health reporter at a daily paper", "media", "Health reporter"),
        ("The IBD podcast, new episodes Fridays", "media", "IBD podcast"),
        # industry
        ("Oncology biotech developing KRAS inhibitors", "industry", "Oncology biotech"),
        ("Study start-up at a CRO. Opinions mine.", "industry", "CRO"),
        # advocates: the word "advocate" counts, never the health words around it
        ("Patient advocate | #LCSM", "advocate", "Patient advocate"),
        ("Research advocate", "advocate", "Research advocate"),
        ("Former nurse, now patient advocate", "advocate", "patient advocate"),
        ("Not a doctor. Anti-pharma activist", "advocate", "activist"),
    ],
)
def test_the_bio_gives_the_role_in_the_accounts_own_words(
    description: str, role: str, phrase: str
) -> None:
    assert role_from_profile("Sam Lee", description) == RoleMatch(role, phrase, "profile")


@pytest.mark.parametrize(
    ("name", "role", "phrase"),
    [
        ("Lung Cancer Research Foundation", "organization", "Lung Cancer Research Foundation"),
        ("MS Society", "organization", "MS Society"),
        ("Ana Ruiz, MD", "clinician", "MD"),
        ("Lung Cancer News", "media", "Lung Cancer News"),
    ],
)
def test_the_display_name_gives_the_role(name: str, role: str, phrase: str) -> None:
    bio = "Patient advocacy, research and support. Stage IV since 2019."
    assert role_from_profile(name, bio) == RoleMatch(role, phrase, "name")


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("Tina", "Stage IV lung cancer survivor, mom of 2"),
        ("Crohnie Kate", "Crohn's warrior 💪 living with IBD since 2010"),
        ("Lou", "Diagnosed 2019. Living with MS. Patient, wife of a surgeon."),
        ("Lou", "My oncologist saved my life. Mom of a T1D warrior."),
        ("Lou", "Volunteer at a nonprofit. Ran London for charity. Fighting Big Pharma."),
        ("Md Rahim", "Type 1 diabetic. Baltimore"),
        (None, None),
        ("", ""),
        ("🎗️🎗️", "<b>&amp;</b> \u200b\ud800 ∞"),
    ],
)
def test_health_and_other_peoples_roles_never_give_a_role(
    name: str | None, description: str | None
) -> None:
    match = role_from_profile(name, description)
    assert (match.role, match.phrase, match.source) == ("individual", None, None)
    assert match.evidence() is None


def test_precedence_organization_first_then_clinician_over_advocate() -> None:
    org = role_from_profile("Lung Cancer Alliance", "Advocacy, research and clinician education")
    assert (org.role, org.phrase) == ("organization", "Lung Cancer Alliance")
    clinician = role_from_profile("Ravi", "Patient advocate and oncology nurse")
    assert (clinician.role, clinician.phrase) == ("clinician", "oncology nurse")
    assert ROLES[0] == "organization" and ROLES[-1] == "individual"


def test_a_long_organisation_name_is_quoted_by_its_organisation_word() -> None:
    name = "The Lung Cancer Foundation — supporting patients, families and carers across the UK"
    assert role_from_profile(name, None) == RoleMatch("organization", "Foundation", "name")


def test_evidence_quotes_the_account_as_written() -> None:
    clinician = role_from_profile("Priya", "Thoracic oncologist. Views my own.")
    assert clinician.evidence() == "Profile says “Thoracic oncologist”"
    org = role_from_profile("Lung Cancer Foundation", "")
    assert org.evidence() == "Name says “Lung Cancer Foundation”"


def test_huge_and_odd_bios_are_read_without_error_and_only_at_the_start() -> None:
    assert role_from_profile("x" * 50_000, "y " * 25_000).role == "individual"
    late = role_from_profile("Al", "Mom of two. " * 100 + "Oncologist")
    assert (late.role, late.phrase) == ("individual", None)
    fancy = role_from_profile("Al", "𝗢𝗻𝗰𝗼𝗹𝗼𝗴𝗶𝘀𝘁 | mom of 3")
    assert (fancy.role, fancy.phrase) == ("clinician", "Oncologist")


@pytest.mark.parametrize(
    ("description", "phrase"),
    [
        ("Pfizer employee. Views my own.", "Pfizer employee"),
        ("Oncology nurse, works at Novartis", "works at Novartis"),
        ("Medical Science Liaison at AstraZeneca | lung cancer", "Medical Science Liaison"),
        ("MSL, thoracic oncology. PhD.", "MSL"),
        ("Crohn's warrior 💪 Janssen employee", "Janssen employee"),
    ],
)
def test_an_employer_named_as_the_accounts_own_is_industry(description: str, phrase: str) -> None:
    match = role_from_profile("Sam Lee", description)
    assert match == RoleMatch("industry", phrase, "profile")
    assert match.evidence() == f"Profile says “{phrase}”"  # its own words, not our judgement


@pytest.mark.parametrize(
    "description",
    [
        "Living with MS. My husband works at Pfizer.",
        "Mom of a Pfizer employee",
        "On a Novartis trial since 2020. Stage IV.",
        "Used to work at Roche",
        "Retired Pfizer employee, grandma of 5",
        "Grateful for my Moderna shot",
    ],
)
def test_someone_elses_past_or_mentioned_company_is_not_an_employer(description: str) -> None:
    assert role_from_profile("Lou", description) == RoleMatch("individual", None, None)
