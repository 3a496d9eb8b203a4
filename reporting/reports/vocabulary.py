"""The closed code lists of the incident report (SPEC §2).

Each list is a tuple so that its order is the order documented in the OpenAPI schema.
"""

from __future__ import annotations

DATE_PRECISIONS = ("day", "month", "quarter")
LOCATION_TYPES = ("land_border", "sea_border", "airport", "seaport", "inland", "at_sea", "other")
DETECTION_STAGES = ("departure", "transit", "entry", "exit", "within_country", "at_sea")
DETECTING_AGENCIES = ("police", "immigration", "border_guard", "coast_guard", "customs",
                      "military", "prosecution", "other")
TRANSPORT_MODES = ("land", "sea", "air", "mixed")
CONVEYANCES = ("car", "van", "truck", "bus", "train", "on_foot", "small_boat",
               "fishing_vessel", "ship", "commercial_flight", "private_aircraft", "other")
CRIMES_AGAINST_MIGRANTS = ("assault", "sexual_violence", "robbery", "fraud", "extortion",
                           "kidnapping", "deprivation_of_liberty", "abandonment",
                           "inhuman_degrading_treatment", "homicide")
AGGRAVATING_CIRCUMSTANCES = ("endangered_life_or_safety", "inhuman_degrading_treatment",
                             "exploitation")
SMUGGLER_ROLES = ("organiser", "recruiter", "transporter", "guide", "document_provider",
                  "financier", "accommodation_provider", "corrupt_official", "other")
DOCUMENT_TYPES = ("passport", "visa", "id_card", "residence_permit", "travel_document_other")
FRAUD_TYPES = ("counterfeit", "forged", "fraudulently_obtained", "impostor", "stolen_blank",
               "other")
MODUS_OPERANDI = ("concealment_in_vehicle", "concealment_in_container", "fraudulent_documents",
                  "visa_abuse", "corruption_of_officials", "online_recruitment", "sham_marriage",
                  "student_or_tourist_cover", "maritime_transfer", "other")
RELATED_CONDUCT = ("trafficking_in_persons_indicators", "money_laundering", "corruption",
                   "document_fraud", "firearms", "drugs")
FINANCIAL_BENEFIT = ("yes", "no", "unknown")

# Which conveyances fit which transport mode; "mixed" journeys may use any of them and
# "other" fits every mode. A sea crossing in a commercial flight is a data-entry error.
CONVEYANCES_BY_MODE: dict[str, frozenset[str]] = {
    "land": frozenset({"car", "van", "truck", "bus", "train", "on_foot", "other"}),
    "sea": frozenset({"small_boat", "fishing_vessel", "ship", "other"}),
    "air": frozenset({"commercial_flight", "private_aircraft", "other"}),
    "mixed": frozenset(CONVEYANCES),
}

EARLIEST_INCIDENT_YEAR = 2000
