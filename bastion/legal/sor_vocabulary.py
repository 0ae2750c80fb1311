"""The DSA Transparency Database's allowed values (brief §3.2-3.4, from the TDB's
`Statement` model; DSA Art 24(5) requires statements to reach it in its format)."""

from __future__ import annotations

VISIBILITY = frozenset(
    f"DECISION_VISIBILITY_{v}"
    for v in (
        "CONTENT_REMOVED",
        "CONTENT_DISABLED",
        "CONTENT_DEMOTED",
        "CONTENT_AGE_RESTRICTED",
        "CONTENT_INTERACTION_RESTRICTED",
        "CONTENT_LABELLED",
        "OTHER",
    )
)
MONETARY = frozenset({"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"})
PROVISION = frozenset(
    f"DECISION_PROVISION_{v}"
    for v in ("PARTIAL_SUSPENSION", "TOTAL_SUSPENSION", "PARTIAL_TERMINATION", "TOTAL_TERMINATION")
)
ACCOUNT = frozenset({"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"})
ACCOUNT_TYPE = frozenset({"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"})
GROUND = frozenset({"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"})
CONTENT_TYPE = frozenset(
    f"CONTENT_TYPE_{v}" for v in ("APP", "AUDIO", "IMAGE", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT", "VIDEO", "OTHER")
)
CATEGORY = frozenset(
    f"STATEMENT_CATEGORY_{v}"
    for v in (
        "ANIMAL_WELFARE",
        "CONSUMER_INFORMATION",
        "CYBER_VIOLENCE",
        "CYBER_VIOLENCE_AGAINST_WOMEN",
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "ILLEGAL_OR_HARMFUL_SPEECH",
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "NOT_SPECIFIED_NOTICE",
        "OTHER_VIOLATION_TC",
        "PROTECTION_OF_MINORS",
        "RISK_FOR_PUBLIC_SECURITY",
        "SCAMS_AND_FRAUD",
        "SELF_HARM",
        "UNSAFE_AND_PROHIBITED_PRODUCTS",
        "VIOLENCE",
    )
)
KEYWORDS = frozenset(
    f"KEYWORD_{v}"
    for v in [
        "ILLEGAL_ORGANIZATIONS",
        "RISK_ENVIRONMENTAL_DAMAGE",
        "RISK_PUBLIC_HEALTH",
        "TERRORIST_CONTENT",
        "COORDINATED_HARM",
        "INCITEMENT_VIOLENCE_HATRED",
        "HUMAN_EXPLOITATION",
        "HUMAN_TRAFFICKING",
        "TRAFFICKING_WOMEN_GIRLS",
        "DEFAMATION",
        "DISCRIMINATION",
        "HATE_SPEECH",
        "CYBER_BULLYING_INTIMIDATION",
        "CYBER_HARASSMENT",
        "CYBER_INCITEMENT",
        "CYBER_STALKING",
        "NON_CONSENSUAL_IMAGE_SHARING",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        "BULLYING_AGAINST_GIRLS",
        "CYBER_HARASSMENT_AGAINST_WOMEN",
        "CYBER_STALKING_AGAINST_WOMEN",
        "FEMALE_GENDERED_DISINFORMATION",
        "INCITEMENT_AGAINST_WOMEN",
        "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        "AGE_SPECIFIC_RESTRICTIONS_MINORS",
        "CHILD_SEXUAL_ABUSE_MATERIAL",
        "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
        "GROOMING_SEXUAL_ENTICEMENT_MINORS",
        "UNSAFE_CHALLENGES",
        "CONTENT_PROMOTING_EATING_DISORDERS",
        "SELF_MUTILATION",
        "SUICIDE",
        "MISINFORMATION_DISINFORMATION",
        "VIOLATION_EU_LAW",
        "VIOLATION_NATIONAL_LAW",
        "IMPERSONATION_ACCOUNT_HIJACKING",
        "INAUTHENTIC_ACCOUNTS",
        "INAUTHENTIC_LISTINGS",
        "INAUTHENTIC_USER_REVIEWS",
        "PHISHING",
        "PYRAMID_SCHEMES",
        "ADULT_SEXUAL_MATERIAL",
        "AGE_SPECIFIC_RESTRICTIONS",
        "GEOGRAPHICAL_REQUIREMENTS",
        "GOODS_SERVICES_NOT_PERMITTED",
        "LANGUAGE_REQUIREMENTS",
        "NUDITY",
        "BIOMETRIC_DATA_BREACH",
        "DATA_FALSIFICATION",
        "MISSING_PROCESSING_GROUND",
        "RIGHT_TO_BE_FORGOTTEN",
        "COPYRIGHT_INFRINGEMENT",
        "DESIGN_INFRINGEMENT",
        "GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
        "PATENT_INFRINGEMENT",
        "TRADE_SECRET_INFRINGEMENT",
        "TRADEMARK_INFRINGEMENT",
        "HIDDEN_ADVERTISEMENT",
        "INSUFFICIENT_INFORMATION_ON_TRADERS",
        "MISLEADING_INFO_CONSUMER_RIGHTS",
        "MISLEADING_INFO_GOODS_SERVICES",
        "NONCOMPLIANCE_PRICING",
        "PROHIBITED_PRODUCTS",
        "UNSAFE_PRODUCTS",
        "ANIMAL_HARM",
        "UNLAWFUL_SALE_ANIMALS",
        "STALKING",
        "OTHER",
    ]
)
TERRITORIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
SOURCE_TYPE = frozenset(
    {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
)
YES_NO = frozenset({"Yes", "No"})
AUTOMATED_DECISION = frozenset(
    {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
)

# One enumerated field -> (its allowed values, whether it is a list).
ENUM_FIELDS: dict[str, tuple[frozenset[str], bool]] = {
    "decision_visibility": (VISIBILITY, True),
    "decision_monetary": (MONETARY, False),
    "decision_provision": (PROVISION, False),
    "decision_account": (ACCOUNT, False),
    "account_type": (ACCOUNT_TYPE, False),
    "decision_ground": (GROUND, False),
    "content_type": (CONTENT_TYPE, True),
    "category": (CATEGORY, False),
    "category_addition": (CATEGORY, True),
    "category_specification": (KEYWORDS, True),
    "territorial_scope": (TERRITORIES, True),
    "source_type": (SOURCE_TYPE, False),
    "automated_detection": (YES_NO, False),
    "automated_decision": (AUTOMATED_DECISION, False),
    "incompatible_content_illegal": (YES_NO, False),
}
