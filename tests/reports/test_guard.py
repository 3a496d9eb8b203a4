"""Tests for the non-nominal guard (reporting.reports.guard)."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, validate
from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.mrvb import MRVBCodeChecker
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from stdnum import iban, luhn

from reporting.reports.guard import (
    DETECTORS,
    Detector,
    Finding,
    GuardConfigurationError,
    check_guard_configuration,
    find_personal_data,
)
from reporting.reports.guard import KINDS as GUARD_KINDS
from reporting.reports.guard.normalise import normalise
from reporting.reports.schemas import ReportSchema, WithdrawSchema
from tests.conftest import bearer
from tests.factories import VALID_REPORT
from tests.reports.guard_corpus import OPERATIONAL as CORPUS_OPERATIONAL
from tests.reports.guard_corpus import PERSONAL as CORPUS_PERSONAL

KINDS = {"email", "phone_number", "mrz", "document_number", "iban", "payment_card", "date_of_birth"}
ALL_KINDS = set(GUARD_KINDS)

# Machine-readable zones, generated with mrz.generator (or taken from ICAO 9303
# specimens) so that their check digits are genuinely valid.
TD3_ICAO = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
TD3_IDN = (
    "P<IDNSANTOSO<<BUDI<<<<<<<<<<<<<<<<<<<<<<<<<<\nB1234567<3IDN9005123M3001019<<<<<<<<<<<<<<06"
)
TD1_MYS = (
    "I<MYSA123456784<<<<<<<<<<<<<<<\n8803159F2906302MYS<<<<<<<<<<<0\nABDULLAH<<SITI<AMINAH<<<<<<<<<"
)
TD2_LKA = "I<LKAPERERA<<NIMAL<<<<<<<<<<<<<<<<<<\nN1234567<7LKA8503035M3012316<<<<<<<8"
MRVA_AUS = (
    "V<AUSRAHIMI<<AHMAD<<<<<<<<<<<<<<<<<<<<<<<<<<\nVA12345675AFG9207042M2501017<<<<<<<<<<<<<<<<"
)
MRVB_THA = "V<THAPERERA<<KUMARA<<<<<<<<<<<<<<<<<\nTV76543212LKA8503035M2412311<<<<<<<<"
TD3_PAK_FULL = (
    "P<PAKKHAN<<IMRAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nAB12345671PAK8702148M29010193520212345678118"
)
# Second line only, with no '<' filler: only its check digits identify it.
TD3_PAK_LINE2 = TD3_PAK_FULL.splitlines()[1]
# Check digits deliberately wrong (typed by hand): still personal data.
MRZ_MISTYPED = (
    "P<AFGRAHIMI<<AHMAD<<<<<<<<<<<<<<<<<<<<<<<<<<\nP123456700AFG9207049M2501015<<<<<<<<<<<<<<00"
)

# (kind, text, planted identifier). The planted string occurs exactly once in
# the text, so its offsets are known.
PERSONAL: list[tuple[str, str, str]] = [
    # --- e-mail ---
    (
        "email",
        "Facilitator used budi.santoso88@gmail.com to coordinate departures.",
        "budi.santoso88@gmail.com",
    ),
    (
        "email",
        "Payments confirmed by e-mail from agen.kapal@yahoo.co.id on the night of departure.",
        "agen.kapal@yahoo.co.id",
    ),
    (
        "email",
        "Organiser's contact (per seized phone): rahimi_travel+bookings@protonmail.com",
        "rahimi_travel+bookings@protonmail.com",
    ),
    ("email", "Email: nimal.perera@sltnet.lk was listed in the ledger.", "nimal.perera@sltnet.lk"),
    (
        "email",
        "Le passeur communiquait via a.karimi@outlook.fr avant le départ.",
        "a.karimi@outlook.fr",
    ),
    (
        "email",
        "Contact given as nimal dot perera at gmail dot com in the chat.",
        "nimal dot perera at gmail dot com",
    ),
    (
        "email",
        "Seats booked by writing to agen[at]yahoo[dot]co[dot]id the week before.",
        "agen[at]yahoo[dot]co[dot]id",
    ),
    # --- phone numbers, international and national forms ---
    (
        "phone_number",
        "Smuggler's WhatsApp number +62 812 3456 7890 was on the skipper's phone.",
        "+62 812 3456 7890",
    ),
    (
        "phone_number",
        "Contact number 0812-3456-7890 written on the back of a receipt.",
        "0812-3456-7890",
    ),
    (
        "phone_number",
        "Recruiter in Melbourne reachable on 0412 345 678 after 6 pm.",
        "0412 345 678",
    ),
    ("phone_number", "Australian handler used +61 412 345 678 on Signal.", "+61 412 345 678"),
    ("phone_number", "Boat owner in Johor: +60 12-345 6789 (Telegram).", "+60 12-345 6789"),
    (
        "phone_number",
        "Kuala Lumpur agent's mobile 012-345 6789 appeared in 14 chats.",
        "012-345 6789",
    ),
    ("phone_number", "Driver in Sadao gave the number 081 234 5678 to the group.", "081 234 5678"),
    ("phone_number", "Thai broker reachable at +66 81 234 5678.", "+66 81 234 5678"),
    ("phone_number", "Organiser in Negombo used +94 77 123 4567 for payments.", "+94 77 123 4567"),
    (
        "phone_number",
        "Boat captain's phone 071 234 5678 was seized by the Sri Lanka Navy.",
        "071 234 5678",
    ),
    (
        "phone_number",
        "Recruiter in Manila texted from 0917 123 4567 before departure.",
        "0917 123 4567",
    ),
    (
        "phone_number",
        "Vietnamese facilitator's number 0912 345 678 was written on a boarding slip.",
        "0912 345 678",
    ),
    ("phone_number", "Dhaka agent: 01812-345678, paid via bKash.", "01812-345678"),
    ("phone_number", "Quetta contact 0300 1234567 arranged the Taftan crossing.", "0300 1234567"),
    ("phone_number", "Migrants were told to call 0912 345 6789 once in Zahedan.", "0912 345 6789"),
    ("phone_number", "Kabul organiser reachable on +93 70 123 4567.", "+93 70 123 4567"),
    (
        "phone_number",
        "Dialled from Jakarta as 0011 61 412 345 678 according to call records.",
        "0011 61 412 345 678",
    ),
    (
        "phone_number",
        "Office line (02) 9876 5432 in Sydney was used to book tickets.",
        "(02) 9876 5432",
    ),
    (
        "phone_number",
        "Call records show 00 62 812 3456 7890 dialled from Kuala Lumpur.",
        "00 62 812 3456 7890",
    ),
    ("phone_number", "HP/WA: 081234567890 (Indonesian SIM found on the skipper).", "081234567890"),
    # Addresses at a webmail provider, spelled with " at " or a spaced "@".
    ("email", "Recruiter's contact: ahmad.rahimi at gmail.com (from the seized phone).",
     "ahmad.rahimi at gmail.com"),
    ("email", "Payments were confirmed by mail to broker88 @ yahoo . co . id weekly.",
     "broker88 @ yahoo . co . id"),
    # Document numbers written in spaced groups after "no." or "number".
    ("document_number", "Passport number: AB 123 4567, issued in Kabul.", "AB 123 4567"),
    ("document_number", "His visa no. 123 456 789 was a counterfeit.", "123 456 789"),
    # International numbers without their "+", as WhatsApp shows and links them.
    ("phone_number", "Recruiter advertised wa.me/6281234567890 in a Facebook group.",
     "6281234567890"),
    ("phone_number", "His WhatsApp number is 61412345678, saved as 'boat'.", "61412345678"),
    ("phone_number", "The skipper called 98 912 345 6789 twice from the boat.", "98 912 345 6789"),
    ("phone_number", "Bangladeshi broker: +880 1812-345678, paid in cash.", "+880 1812-345678"),
    (
        "phone_number",
        "Handler's mobile (+61) 412 345 678 was saved as 'Uncle'.",
        "(+61) 412 345 678",
    ),
    (
        "phone_number",
        "Number written as +62 (0) 812-3456-7890 on the boarding list.",
        "+62 (0) 812-3456-7890",
    ),
    ("phone_number", "Chinese organiser's WeChat number 131 2345 6789.", "131 2345 6789"),
    ("phone_number", "Kathmandu recruiter: 984-1234567 (Viber).", "984-1234567"),
    # --- machine-readable zones ---
    (
        "mrz",
        f"Photo of the data page shows:\n{TD3_ICAO}\nwhich was retained as evidence.",
        TD3_ICAO,
    ),
    ("mrz", f"MRZ of the seized passport: {TD3_IDN}", TD3_IDN),
    ("mrz", f"Back of the ID card read\n{TD1_MYS}\nat the checkpoint.", TD1_MYS),
    ("mrz", f"Visa sticker MRZ:\n{MRVA_AUS}", MRVA_AUS),
    ("mrz", f"Thai visa (MRV-B) found in the bag:\n{MRVB_THA}\n", MRVB_THA),
    ("mrz", f"Sri Lankan identity document (TD2): {TD2_LKA}", TD2_LKA),
    ("mrz", f"Second MRZ line read as {TD3_PAK_LINE2} by the scanner.", TD3_PAK_LINE2),
    ("mrz", f"Hand-copied MRZ (check digits wrong):\n{MRZ_MISTYPED}", MRZ_MISTYPED),
    (
        "mrz",
        "Only the first part of the name line was legible: P<IDNSANTOSO<<BUDI",
        "P<IDNSANTOSO<<BUDI",
    ),
    (
        "mrz",
        f"Pasted without its line break: {TD3_ICAO.replace(chr(10), '')} (scan).",
        TD3_ICAO.replace("\n", ""),
    ),
    # --- document numbers next to document words, and national ID numbers ---
    (
        "document_number",
        "Skipper held Indonesian passport no. B1234567 issued in Kupang.",
        "B1234567",
    ),
    (
        "document_number",
        "Malaysian visa number MV2318894 was found to be counterfeit.",
        "MV2318894",
    ),
    ("document_number", "His passport, no. 12345678, was retained by the skipper.", "12345678"),
    (
        "document_number",
        "Passport number: P1234567A (Philippines) appears on the ticket.",
        "P1234567A",
    ),
    (
        "document_number",
        "Facilitator's NIK 3171011708450001 appears on the rental contract.",
        "3171011708450001",
    ),
    (
        "document_number",
        "KTP 3171 0117 0845 0001 was photocopied by the agent.",
        "3171 0117 0845 0001",
    ),
    (
        "document_number",
        "Recruiter identified by NIC 851234567V at the Negombo station.",
        "851234567V",
    ),
    (
        "document_number",
        "The new-format NIC 198512345678 was recorded by the police.",
        "198512345678",
    ),
    ("document_number", "Nomor paspor: C1234567 tercatat di manifest.", "C1234567"),
    ("document_number", "Un pasaporte n.º AB123456 fue retenido por el capitán.", "AB123456"),
    ("document_number", "Passeport n° 12AB34567 confisqué lors du contrôle.", "12AB34567"),
    (
        "document_number",
        "Afghan tazkira no. 1400-0101-23456 was carried by one passenger.",
        "1400-0101-23456",
    ),
    ("document_number", "His residence permit no. RP-2219-88431 had expired.", "RP-2219-88431"),
    ("document_number", "The document A7654321 (passport) was retained by the agent.", "A7654321"),
    ("document_number", "Aadhaar 2345 6789 0124 was used to buy the SIM card.", "2345 6789 0124"),
    (
        "document_number",
        "Organiser's CNIC 34201-0891231-8 was found on a receipt.",
        "34201-0891231-8",
    ),
    (
        "document_number",
        "A card bearing 1-2345-45678-78-1 was found in the cabin.",
        "1-2345-45678-78-1",
    ),
    ("document_number", "Boat was registered to 770305-02-1234 in Johor.", "770305-02-1234"),
    (
        "document_number",
        "Transfer slip listed 360426199101010071 as the sender.",
        "360426199101010071",
    ),
    ("document_number", "Boarding list entry 853400937V was crossed out.", "853400937V"),
    # --- IBANs ---
    (
        "iban",
        "Fees were wired to DE89 3704 0044 0532 0130 00 in two transfers.",
        "DE89 3704 0044 0532 0130 00",
    ),
    (
        "iban",
        "Account GB29 NWBK 6016 1331 9268 19 received USD 12,000.",
        "GB29 NWBK 6016 1331 9268 19",
    ),
    (
        "iban",
        "Virement vers FR14 2004 1010 0505 0001 3M02 606 le 3 mars 2024.",
        "FR14 2004 1010 0505 0001 3M02 606",
    ),
    (
        "iban",
        "Hawala settlement via AE07 0331 2345 6789 0123 456 (Dubai).",
        "AE07 0331 2345 6789 0123 456",
    ),
    ("iban", "IBAN GB82WEST12345698765432 appears on the bank slip.", "GB82WEST12345698765432"),
    ("iban", "Refund sent to NL91 ABNA 0417 1643 00 BY THE AGENT.", "NL91 ABNA 0417 1643 00"),
    # --- payment cards ---
    (
        "payment_card",
        "Tickets bought with card 4111 1111 1111 1111 exp 12/26.",
        "4111 1111 1111 1111",
    ),
    ("payment_card", "Hotel booking paid by 4012888888881881 on 3 March 2024.", "4012888888881881"),
    (
        "payment_card",
        "Mastercard 5555-5555-5555-4444 was used at the airport.",
        "5555-5555-5555-4444",
    ),
    ("payment_card", "Second card 2223 0031 2200 3222 was declined.", "2223 0031 2200 3222"),
    ("payment_card", "Amex 3782 822463 10005 paid for the flights.", "3782 822463 10005"),
    ("payment_card", "JCB card 3530111333300000 found in the wallet.", "3530111333300000"),
    # --- dates of birth ---
    ("date_of_birth", "The skipper (DOB 12/05/1990) was detained.", "12/05/1990"),
    ("date_of_birth", "Facilitator, born on 12 May 1990, was charged.", "12 May 1990"),
    ("date_of_birth", "Date of birth: 1990-05-12, nationality Afghan.", "1990-05-12"),
    ("date_of_birth", "Recruiter d.o.b. 12.05.1990 per police file.", "12.05.1990"),
    ("date_of_birth", "One suspect, born May 12, 1990, remains at large.", "May 12, 1990"),
    ("date_of_birth", "Driver's record lists 12-May-1990 (DOB).", "12-May-1990"),
    ("date_of_birth", "Tgl lahir: Jakarta, 12-05-1990 menurut KTP.", "12-05-1990"),
    ("date_of_birth", "The youngest crew member was born in 2007 in Rote.", "2007"),
    ("date_of_birth", "A second organiser (b. 1987) was identified.", "1987"),
    (
        "date_of_birth",
        "Birth date 3rd of March 1985 recorded on the manifest.",
        "3rd of March 1985",
    ),
    (
        "date_of_birth",
        "Passenger born in Kabul on 4 July 1992 told officers he paid USD 8,000.",
        "4 July 1992",
    ),
    ("date_of_birth", "DOB: 03 Mar 1985, nationality Sri Lankan.", "03 Mar 1985"),
    ("date_of_birth", "Né le 12/05/1990 à Kaboul selon sa déclaration.", "12/05/1990"),
]

OPERATIONAL: list[str] = [
    "Accounts at Yahoo and Gmail were used to contact recruits; 163 messages were recovered.",
    "Documents no. 12 and 13 of the exhibit list were forged passports; permit # 2 of 3 lapsed.",
    "Visa numbers issued 2019 to 2023 rose; passport no.: USD 1500 2000 was the price range.",
    "Phone records show 14 calls between 2300 and 0200 on the night of departure.",
    "Mobile phones seized: 12; cash seized: IDR 15000000000 and USD 4,000.",
    "The Telegram channel advertising crossings had 1200000000 views in total (platform figure).",
    "Contact was made at 1530 hours; the vessel, call sign YB1234, was boarded at 1610.",
    "Departed Cilacap, Central Java, by fishing vessel towards Christmas Island.",
    "Each migrant paid USD 4,500; some paid IDR 60,000,000 in two instalments.",
    "Vessel intercepted on 2024-03-15 at 02:30 local time, about 40 nm north of Ashmore Reef.",
    "Detected on 12 May 2024 by Maritime Border Command; 47 migrants and 3 crew on board.",
    "Between 3 and 5 March 2024, three groups crossed from Johor Bahru to Batam.",
    "Position reported as -8.65, 115.21 at 0415 hrs; weather deteriorated after 0600.",
    "The 18-metre wooden vessel KM Harapan Jaya carried 112 persons from Sri Lanka.",
    "Royal Malaysian Police and the Indonesian National Police (POLRI) ran a joint operation "
    "code-named TIDEWATER.",
    "Sri Lanka Navy intercepted a multi-day trawler off Negombo on 15/03/2024.",
    "Royal Thai Police arrested two facilitators at Sadao checkpoint on Highway 4, near AH2.",
    "The group flew Kabul-Dubai-Kuala Lumpur on flight EK 640 and then flight GA 714 to Denpasar.",
    "Seized: two counterfeit Malaysian passports and one forged visa; 12 passports in total "
    "were later recovered.",
    "Charges were laid under Section 73 of Law No. 6/2011 on Immigration and art. 3 of the "
    "Protocol.",
    "Australian Border Force reported 3 forged visas and ID cards (4) recovered from the boat.",
    "Passports issued in 2019 were altered with substituted photo pages.",
    "Fees ranged from MYR 3,000 to MYR 5,500 per person, paid in cash in Kuala Lumpur.",
    "The operation ran 2023-2024 and involved 14 agencies across 6 countries.",
    "The boat, a 15.5 m fibreglass longboat with two 40 hp outboards, departed at 23:45.",
    "Passports were checked in Denpasar before flight QZ7511 on 05.03.2024.",
    "M49 code 360 (Indonesia) and 036 (Australia) are used for statistical coding.",
    "On 01/02/2024 and again on 2024-02-14 the same facilitator network was active.",
    "The skipper was paid AUD 10,000 upfront and promised a further AUD 15,000 on arrival.",
    "Approximately 1,200 litres of diesel and 300 kg of rice were loaded at Pelabuhan Ratu.",
    "Migrants were held in a safe house for 10-14 days before boarding at 0200.",
    "Visa overstayers accounted for 35% of detections in Q1 2024.",
    "Route: Colombo - Negombo - open sea - Cocos (Keeling) Islands, 1,850 nm.",
    "Smugglers charged IDR 15.000.000 per adult and IDR 7.500.000 per child.",
    "Migrants paid IDR 25 000 000 each, according to the Indonesian National Police (POLRI).",
    "Incident reference 2024/017 relates to the interception at 12°34'S 123°45'E.",
    "Maritime Border Command escorted the boat to Darwin on 7 April 2024.",
    "Time window 0800-1000 on 14.04.2024; 23 males, 5 females, 7 minors.",
    "Documents seized: 6 travel documents, 2 identity cards, 1 residence permit.",
    "Each passenger paid between PHP 50,000 and PHP 80,000; proceeds estimated at USD 48,000.",
    "Departure from Pangkalan Bun at 2130 hrs on 31 December 2023; intercepted 2 January 2024.",
    "The vessel measured 22 m and had a registered gross tonnage of 35 GT.",
    "The Thai Immigration Bureau recorded 1,024 detections in 2023 compared with 987 in 2022.",
    "Victims were moved along Highway 1 and the N-5 (Karachi-Peshawar) before crossing at Taftan.",
    "Migrants born in Afghanistan and Iran made up most of the group.",
    "Intercepted at 06:15 on 2024-03-15 by Sri Lanka Navy fast attack craft P-497.",
    "Case file opened 15 March 2024 under operation SOVEREIGN; 4 suspects charged.",
    "Recruitment occurred via social media groups; no phone numbers or names were retained.",
    "ID checks at the Wagah crossing on 3 March 2024 found 8 migrants without documents.",
    "Passports (3) and visas (2) were seized on 2024-05-12 at Soekarno-Hatta airport, Terminal 3.",
    "The smugglers demanded THB 25,000 each; payments were made through hawala in Bangkok.",
    "Boat departed Sape (NTB) heading for Rote Island, 38 persons on board, 2 crew.",
    "Coordinates 10°25.5'S 105°40.2'E; speed 6.5 knots; heading 160 degrees.",
    "Visa fee of USD 1500 per person was charged by the agent.",
    "Visa on arrival fee IDR 500000 was paid at the airport.",
    "The passports were issued between 2018-2020 in Quetta.",
    "Australian Border Force found 12 passports in a suitcase on flight EK 450 arriving 23:10.",
    "Operation launched 1 June 2024; a newborn infant was among 31 passengers.",
    "The 2,350 km route via AH2 took 9 days; 4,500 USD was paid to the driver.",
    "Kapal berangkat dari Kupang pada 12 Mei 2024 pukul 02.30 WITA dengan 45 penumpang.",
    "Among them, a boy aged 14 and a woman aged about 30; all were referred to IOM.",
    "Work permits dated 10.01.2024 were forged; 17 permits were recovered in Penang.",
    "Protection visa subclass 866 applications rose by 1,300 between 2022 and 2023.",
    "Passengers disembarked at 03.15 and 04.40; the boat had departed on 2.3.2024.",
    "Each migrant paid LKR 1,500,000 (about USD 4,900) to organisers in Chilaw.",
    "Funds of AUD 250000 were transferred through three remittance agents in 2023.",
    "The facilitator network used vessels of 12-15 m, crews of 3-5 and routes 1,000-1,400 nm long.",
    "Grid reference 0123 4567 on the 1:50000 map sheet marks the landing site.",
    "Boat no. 07 and boat no. 012 carried 56 and 47 people respectively.",
    "M49 codes 004 050 104 144 356 360 364 458 524 586 608 704 were used for nationalities.",
    "Coordinates 08 39 12 S 115 13 05 E were logged at 02 30 local time.",
    "Phase 1 (01.01.2024 - 31.03.2024) and phase 2 (01.04.2024 - 30.06.2024) were compared.",
    "Born Free Foundation donated 30 life jackets on 2 May 2024.",
    "Three babies were born. On 12 May 2024 the boat left Kupang.",
    "Three women born in the 1990s were among the passengers.",
    "Incident ref. 240315-01-0042 was closed after review.",
    "Report ID 20240315 was filed by the liaison officer in Colombo.",
    "Visa application centre in Colombo processed 120000 applications in 2023.",
    "Some 120000 visas were issued in 2023 under the seasonal worker scheme.",
    "Rp 5.000.000, RM5,000, ฿25,000 and $4,500 were paid at different stages.",
    "Flights MH 0370 and QZ 7511 landed at 06:00; passports were not checked.",
    "Police report no. 2024/POLRI/0315 refers; the agent's ID was not established.",
    "Proceeds reached IDR 15000000000 according to the financial intelligence unit.",
    "IMO 9123456 and MMSI 525012345 identified the mother ship; call sign YBXY2.",
]

ALLOWED_OFFSET_SLACK = 2


def _alnum(s: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", s)


def _matching_finding(
    findings: list[Finding], kind: str, text: str, planted: str
) -> Finding | None:
    """The finding of `kind` that covers the planted identifier and little else."""
    for f in findings:
        if f.kind != kind:
            continue
        covered = text[f.start : f.end]
        if (
            _alnum(planted) in _alnum(covered)
            and len(covered) <= len(planted) + ALLOWED_OFFSET_SLACK
        ):
            return f
    return None


def _case_id(case: tuple[str, str, str]) -> str:
    kind, text, _ = case
    return f"{kind}:{text[:40]}"


@pytest.mark.parametrize("case", PERSONAL, ids=[_case_id(c) for c in PERSONAL])
def test_personal_data_is_found_with_offsets(case: tuple[str, str, str]) -> None:
    kind, text, planted = case
    assert text.count(planted) == 1, "test case must plant its identifier exactly once"
    findings = find_personal_data(text)
    found = _matching_finding(findings, kind, text, planted)
    assert found is not None, f"expected {kind} at {planted!r}, got {findings}"
    # Offsets point at the identifier itself, not at the surrounding words.
    planted_start = text.index(planted)
    assert abs(found.start - planted_start) <= ALLOWED_OFFSET_SLACK
    assert abs(found.end - (planted_start + len(planted))) <= ALLOWED_OFFSET_SLACK


@pytest.mark.parametrize("text", OPERATIONAL, ids=[t[:50] for t in OPERATIONAL])
def test_operational_text_passes(text: str) -> None:
    assert find_personal_data(text) == []


def test_corpora_are_large_enough_and_cover_every_kind() -> None:
    assert len(PERSONAL) >= 40
    assert len(OPERATIONAL) >= 40
    kinds = [kind for kind, _, _ in PERSONAL]
    assert {k for k in kinds if kinds.count(k) >= 3} == KINDS


def test_planted_test_data_is_really_valid() -> None:
    """The corpus claims valid check digits; prove it with the reference checkers."""
    assert TD3CodeChecker(TD3_ICAO)
    assert TD3CodeChecker(TD3_IDN)
    assert TD3CodeChecker(TD3_PAK_FULL)
    assert TD1CodeChecker(TD1_MYS)
    assert TD2CodeChecker(TD2_LKA)
    assert MRVACodeChecker(MRVA_AUS)
    assert MRVBCodeChecker(MRVB_THA)
    assert not TD3CodeChecker(MRZ_MISTYPED)
    for kind, _, planted in PERSONAL:
        if kind == "iban":
            assert iban.is_valid(planted), planted
        if kind == "payment_card":
            assert luhn.is_valid(_alnum(planted)), planted


def test_empty_string() -> None:
    assert find_personal_data("") == []


def test_findings_are_sorted_and_typed() -> None:
    text = (
        "Skipper (DOB 12/05/1990) called +62 812 3456 7890, emailed budi.santoso88@gmail.com and "
        "paid from "
        "DE89 3704 0044 0532 0130 00 with card 4111 1111 1111 1111; passport no. B1234567.\n"
        + TD3_IDN
    )
    findings = find_personal_data(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert {f.kind for f in findings} == KINDS
    for f in findings:
        assert isinstance(f, Finding)
        assert 0 <= f.start < f.end <= len(text)
    # Detectors never claim the same characters twice.
    for a, b in zip(findings, findings[1:], strict=False):
        assert a.end <= b.start


def test_finding_never_carries_the_matched_text() -> None:
    assert [field.name for field in dataclasses.fields(Finding)] == ["kind", "start", "end"]
    for kind, text, planted in PERSONAL:
        for f in find_personal_data(text):
            assert f.kind in KINDS
            assert isinstance(f.start, int)
            assert isinstance(f.end, int)
            assert _alnum(planted) not in _alnum(repr(f)), (kind, f)
            with pytest.raises(dataclasses.FrozenInstanceError):
                f.kind = "email"  # type: ignore[misc]


def _narrative(length: int) -> str:
    out = ""
    i = 0
    while len(out) < length:
        out += OPERATIONAL[i % len(OPERATIONAL)] + (" " if i % 5 else "\n")
        i += 1
    return out[:length]


def test_long_operational_narrative_passes() -> None:
    text = _narrative(4000)
    assert len(text) == 4000
    assert find_personal_data(text) == []


def test_personal_data_buried_in_long_narrative() -> None:
    head = _narrative(1800)
    tail = _narrative(1800)
    middle = (
        " The organiser, passport no. N12345678, used nimal.perera@sltnet.lk and +94 77 123 4567. "
    )
    text = head + middle + tail
    expected = {
        ("document_number", "N12345678"),
        ("email", "nimal.perera@sltnet.lk"),
        ("phone_number", "+94 77 123 4567"),
    }
    got = {(f.kind, text[f.start : f.end]) for f in find_personal_data(text)}
    assert got == expected
    for f in find_personal_data(text):
        assert len(head) <= f.start < f.end <= len(head) + len(middle)


# Hostile shapes: runs that invite catastrophic backtracking or unbounded phone-matcher
# work. Each is cut to 4,000 characters, a narrative's limit. How long they take is
# measured by bench/guard.py, not asserted here; a regression that makes one hang fails
# the run all the same.
PATHOLOGICAL: dict[str, str] = {
    "zeros": "0" * 4000,
    "digits": "1 " * 2000,
    "at-signs": "a@" * 2000,
    "fillers": "<" * 4000,
    "mrz-heads": "P<" * 2000,
    "doc-words": "passport " * 444,
    "dob-words": "born " * 800,
    "plus": "+6" * 2000,
    "card": "4111 " * 800,
    "iban": "DE89 " * 800,
    "national-phones": "0812 " * 800,
    "idd-phones": "0011 61 4 " * 400,
    "real-phones": "0812-3456-7890 " * 266,
    "doc-numbers": "passport no. A1234567 " * 180,
    "dobs": "DOB 12/05/1990 " * 260,
    "dob-place": "born " + "Kabul " * 600,
    "spelled-email": "a at b dot " * 360,
    "bare-internationals": "call 6281234567890 " * 210,
    "provider-emails": "x at gmail . com " * 250,
}
# Those made of personal data, which the budgets must not let through.
PATHOLOGICAL_PERSONAL = {"real-phones": "phone_number", "doc-numbers": "document_number",
                         "dobs": "date_of_birth", "bare-internationals": "phone_number",
                         "provider-emails": "email"}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_is_screened_whole(name: str) -> None:
    text = PATHOLOGICAL[name][:4000]
    findings = find_personal_data(text)
    for f in findings:
        assert f.kind in KINDS
        assert 0 <= f.start < f.end <= len(text)
    for a, b in zip(findings, findings[1:], strict=False):
        assert a.end <= b.start
    if name in PATHOLOGICAL_PERSONAL:
        # Found all along the text, not only before some budget ran out.
        kinds = {f.kind for f in findings}
        assert kinds == {PATHOLOGICAL_PERSONAL[name]}
        assert findings[-1].end > len(text) - 40


# ---- the corpus: every kind and obfuscation, in many languages -------------------------

CORPUS_SLACK = 1


@pytest.mark.parametrize("case", CORPUS_PERSONAL,
                         ids=[f"{c[0]}:{c[1]}:{c[2][:40]}" for c in CORPUS_PERSONAL])
def test_corpus_personal_text_is_caught_with_offsets_covering_it(
        case: tuple[str, str, str, str]) -> None:
    kind, _language, text, planted = case
    assert text.count(planted) == 1, "test case must plant its data exactly once"
    start = text.index(planted)
    end = start + len(planted)
    findings = find_personal_data(text)
    assert any(
        f.kind == kind and f.start <= start + CORPUS_SLACK and f.end >= end - CORPUS_SLACK
        for f in findings
    ), f"expected {kind} covering {start}-{end}, got {findings}"


@pytest.mark.parametrize("case", CORPUS_OPERATIONAL,
                         ids=[f"{c[0]}:{c[1][:50]}" for c in CORPUS_OPERATIONAL])
def test_corpus_operational_text_passes(case: tuple[str, str]) -> None:
    _language, text = case
    assert find_personal_data(text) == []


def test_corpus_is_large_covers_every_kind_and_six_languages() -> None:
    assert len(CORPUS_PERSONAL) >= 150
    assert len(CORPUS_OPERATIONAL) >= 150
    assert {kind for kind, *_ in CORPUS_PERSONAL} == ALL_KINDS
    assert len({language for _, language, *_ in CORPUS_PERSONAL}) >= 6
    assert len({language for language, _ in CORPUS_OPERATIONAL}) >= 6


def test_corpus_check_digits_are_really_valid() -> None:
    for kind, _, _, planted in CORPUS_PERSONAL:
        compact = normalise(planted).text
        if kind == "iban":
            assert iban.is_valid(re.sub(r"[ \-]", "", compact)), planted
        if kind == "payment_card":
            assert luhn.is_valid(re.sub(r"[^0-9]", "", compact)), planted


# ---- normalisation and offsets ---------------------------------------------------------


@pytest.mark.parametrize(("text", "planted"), [
    (f"call 0812{chr(0x200b)}3456{chr(0x200b)}7890 now", "0812\u200b3456\u200b7890"),
    ("mail agen%40contoh.com now", "agen%40contoh.com"),
    ("mail agen&#x40;contoh.com now", "agen&#x40;contoh.com"),
    ("tel \uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10 ok",
     "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10"),
])
def test_offsets_point_into_the_original_text(text: str, planted: str) -> None:
    (finding,) = find_personal_data(text)
    assert (finding.start, finding.end) == (text.index(planted),
                                            text.index(planted) + len(planted))


def test_normalised_view_maps_every_character_back() -> None:
    text = "a\u200bb&amp;c%41\uff11\u0661\u00adz"
    view = normalise(text)
    assert view.text == "ab&cA11z"
    for i, char in enumerate(view.text):
        start, end = view.original(i, i + 1)
        assert 0 <= start < end <= len(text)
        if char.isalpha() and char.islower():
            assert text[start:end] == char


def test_confusables_come_from_the_maintained_table() -> None:
    from reporting.reports.guard.normalise import _confusables

    table = _confusables()
    assert len(table) > 1000  # Unicode's table, not a handful of hand-picked letters
    assert table["\u0430"] == "a"  # Cyrillic a
    assert table["\u03bf"] == "o"  # Greek omicron


def test_a_word_in_another_script_keeps_its_letters() -> None:
    # Folding "паспорт" to Latin would hide the Russian document word from its detector.
    assert normalise("паспорт A1").text == "паспорт A1"


# ---- the detectors and their data ------------------------------------------------------


def test_every_detector_follows_the_protocol_and_documents_itself() -> None:
    for detector in DETECTORS:
        assert isinstance(detector, Detector)
        assert detector.kind in GUARD_KINDS
        doc = sys.modules[type(detector).__module__].__doc__ or ""
        assert "Catches" in doc, type(detector).__module__
        assert "Misses" in doc, type(detector).__module__
    assert {d.kind for d in DETECTORS} == ALL_KINDS


def test_data_files_load_and_have_a_sources_note() -> None:
    data = resources.files("reporting.reports.guard") / "data"
    names = [p.name for p in data.iterdir()]
    assert "SOURCES.md" in names
    for name in names:
        if name.endswith(".json"):
            assert json.loads((data / name).read_text(encoding="utf-8"))


def test_data_files_are_declared_as_package_data() -> None:
    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert "*.json" in patterns
    assert "*.md" in patterns


def test_spacy_stage_is_off_by_default_and_a_missing_model_fails_loudly(monkeypatch) -> None:
    monkeypatch.delenv("VRS_GUARD_SPACY_MODEL", raising=False)
    check_guard_configuration({})
    monkeypatch.setitem(sys.modules, "spacy", None)  # spaCy not importable
    with pytest.raises(GuardConfigurationError, match="VRS_GUARD_SPACY_MODEL"):
        check_guard_configuration({"VRS_GUARD_SPACY_MODEL": "xx_no_such_model"})
    check_guard_configuration({})


# ---- bounded screening -----------------------------------------------------------------

ONE_MB = 1_048_576


def test_schema_refuses_a_megabyte_narrative_for_its_length() -> None:
    body = copy.deepcopy(VALID_REPORT)
    body["narrative"] = "0812 " * (ONE_MB // 5)
    with pytest.raises(ValidationError) as info:
        ReportSchema().load(body)
    assert info.value.messages["narrative"] == ["Longer than maximum length 4000."]


def test_schema_refuses_a_long_admin_area_for_its_length() -> None:
    body = copy.deepcopy(VALID_REPORT)
    body["incident"]["admin_area"] = "passport no. A1234567 " * (48 * 1024 // 22)
    with pytest.raises(ValidationError) as info:
        ReportSchema().load(body)
    assert info.value.messages["incident"]["admin_area"] == ["Longer than maximum length 100."]


def test_withdraw_reason_has_its_length_checked_first() -> None:
    with pytest.raises(ValidationError) as info:
        WithdrawSchema().load({"reason": "x" * 1001})
    assert info.value.messages["reason"] == ["Longer than maximum length 1000."]


def test_free_text_limits_are_still_in_the_openapi_schema() -> None:
    field = ReportSchema().fields["narrative"]
    assert any(isinstance(v, validate.Length) and v.max == 4000 for v in field.validators)


def test_a_megabyte_narrative_over_http_is_a_prompt_4xx(client, make_token) -> None:
    secret = make_token("IDN")
    body = copy.deepcopy(VALID_REPORT)
    body["narrative"] = "0812 " * (ONE_MB // 5)
    response = client.post("/api/v1/reports", json=body, headers=bearer(secret))
    assert response.status_code in (413, 422)


# ---- any text at all -------------------------------------------------------------------

_PIECES = st.sampled_from([
    *"0123456789 .,-_/+@<«&%#;:()OolI", "\u200b", "\u00ad", "\uff10", "\u0660", "\u0e51",
    "zero", "nol", "passport", "no.", "DOB", "born", "Jl.", "Mr", "driver", "&#64;", "%40",
    "&amp;", "\u0430", "P<", "t.me/", "0x", "bc1", "\u0301", "\u00df", "\u0130", "\ufb01",
    "\u0e31", "\u0e16\u0e19\u0e19", "\u8def", "\u53f7",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join) | st.text(max_size=200))
def test_any_text_gets_in_range_non_overlapping_findings(text: str) -> None:
    findings = find_personal_data(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
    for a, b in zip(findings, findings[1:], strict=False):
        assert a.end <= b.start
