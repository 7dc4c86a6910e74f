"""Name pools for the synthetic practice: accents, hyphens and transliteration variants.

All names are common given and family names combined at random; no combination refers to a
real person. Each origin has a BCP-47 language for its main spoken language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    key: str
    language: str
    """BCP-47 main spoken language."""
    weight: float
    """Share of the practice population (before inclusion-health skew)."""
    interpreter_share: float
    """Share of people of this origin who need an interpreter."""
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    family_female: tuple[str, ...] = ()
    """Where family names take a feminine form (Polish, Ukrainian…)."""


ORIGINS: tuple[Origin, ...] = (
    Origin(
        "english", "en", 0.62, 0.0,
        ("Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Chloe", "Jessica",
         "Charlotte", "Megan", "Hannah", "Lauren", "Danielle", "Kerry-Ann", "Mary-Jane", "Zoë",
         "Chloé", "Renée", "Leanne", "Stacey", "Jade", "Tracey", "Michelle"),
        ("Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Daniel",
         "James", "Liam", "Connor", "Kyle", "Dean", "Wayne", "Lee", "Craig", "Jean-Luc", "Stephen",
         "Steven", "Mark", "Paul", "Gary", "Darren"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
         "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
         "Jackson", "Clarke", "Smith-Jones", "Harding-Rolls", "Lloyd-Webber", "Ashworth", "Birch",
         "Holroyd", "Sutcliffe", "Ackroyd", "Brontë", "Ó Súilleabháin"),
    ),
    Origin(
        "irish_traveller", "en", 0.03, 0.0,
        ("Bridget", "Mary", "Kathleen", "Margaret", "Siobhán", "Áine", "Nóra", "Caitríona"),
        ("Patrick", "John", "Michael", "Martin", "Pádraig", "Seán", "Eoin", "Tomás"),
        ("McDonagh", "Ward", "O'Brien", "Joyce", "Connors", "Maughan", "Doherty", "Ní Bhriain",
         "Mac Donncha", "O'Reilly", "Ó Briain"),
    ),
    Origin(
        "polish", "pl", 0.06, 0.45,
        ("Zofia", "Małgorzata", "Agnieszka", "Katarzyna", "Józefa", "Łucja", "Ewa", "Anna"),
        ("Łukasz", "Paweł", "Piotr", "Krzysztof", "Jędrzej", "Michał", "Wojciech", "Tomasz"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
         "Kowalski-Nowak", "Dąbrowski", "Szymański"),
        ("Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowska", "Zielińska",
         "Kowalska-Nowak", "Dąbrowska", "Szymańska"),
    ),
    Origin(
        "romanian", "ro", 0.03, 0.4,
        ("Ioana", "Andreea", "Mihaela", "Ștefania", "Elena", "Cătălina"),
        ("Ionuț", "Ștefan", "Andrei", "Mihai", "Gheorghe", "Răzvan"),
        ("Popescu", "Ionescu", "Constantinescu", "Dumitrescu", "Stănescu", "Munteanu"),
    ),
    Origin(
        "roma", "rom", 0.01, 0.5,
        ("Esmeralda", "Mirela", "Florica", "Lenuța"),
        ("Dragomir", "Iancu", "Marian", "Costel"),
        ("Lăcătuș", "Căldăraru", "Stoica", "Rostaș", "Bălaș"),
    ),
    Origin(
        "arabic", "ar", 0.04, 0.5,
        ("Fatima", "Fatma", "Aisha", "Aysha", "Mariam", "Maryam", "Noor", "Nour"),
        ("Mohammed", "Muhammad", "Mohamed", "Ahmed", "Ahmad", "Youssef", "Yusuf", "Omar", "Umar"),
        ("Al-Sayed", "El-Sayed", "Abdel-Rahman", "Abdul Rahman", "Haddad", "Khalil", "Al-Masri",
         "Nasser"),
    ),
    Origin(
        "somali", "so", 0.02, 0.45,
        ("Hodan", "Ayaan", "Hibo", "Sahra", "Faadumo", "Ubah"),
        ("Abdirahman", "Abdi", "Mohamed", "Cabdi", "Yusuf", "Liban"),
        ("Warsame", "Farah", "Ahmed", "Cali", "Ali", "Hassan", "Jama"),
    ),
    Origin(
        "tigrinya", "ti", 0.02, 0.7,
        ("Mehret", "Senait", "Helen", "Tsega", "Freweyni", "Yordanos"),
        ("Yonas", "Tesfaye", "Tesfay", "Dawit", "Filmon", "Berhane", "Biniam"),
        ("Gebremedhin", "Gebre-Medhin", "Tesfamariam", "Haile", "Kidane", "Woldemichael"),
    ),
    Origin(
        "kurdish", "ku", 0.015, 0.6,
        ("Shilan", "Rojin", "Berfin", "Hêvî"),
        ("Rebwar", "Karwan", "Aram", "Dilovan"),
        ("Ahmadi", "Barzani", "Hawrami", "Rashid"),
    ),
    Origin(
        "farsi", "fa", 0.015, 0.55,
        ("Zahra", "Maryam", "Fatemeh", "Shirin"),
        ("Mohammad-Reza", "Mohammadreza", "Ali-Reza", "Hossein", "Mehdi"),
        ("Hosseini", "Husseini", "Rezaei", "Ahmadi", "Mohammadi"),
    ),
    Origin(
        "dari", "prs", 0.01, 0.7,
        ("Parwana", "Mursal", "Nilofar", "Freshta"),
        ("Ahmad Shah", "Abdul", "Farid", "Jawad", "Sayed"),
        ("Noori", "Hakimi", "Stanikzai", "Popal"),
    ),
    Origin(
        "pashto", "ps", 0.008, 0.7,
        ("Malalai", "Gulalai", "Nazo"),
        ("Gul", "Khan", "Zalmai", "Wali"),
        ("Khan", "Yousafzai", "Afridi", "Durrani"),
    ),
    Origin(
        "ukrainian", "uk", 0.02, 0.5,
        ("Olena", "Oksana", "Kateryna", "Yuliia", "Iryna", "Nataliia"),
        ("Oleksandr", "Olexandr", "Andrii", "Andriy", "Serhii", "Serhiy", "Dmytro"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk"),
    ),
    Origin(
        "urdu", "ur", 0.025, 0.3,
        ("Ayesha", "Sana", "Hina", "Nusrat"),
        ("Imran", "Asif", "Tariq", "Bilal"),
        ("Hussain", "Hussein", "Akhtar", "Iqbal", "Qureshi", "Malik"),
    ),
    Origin(
        "bengali", "bn", 0.015, 0.3,
        ("Nasrin", "Rumana", "Shapla", "Tahmina"),
        ("Rahim", "Shahid", "Anwar", "Rafiq"),
        ("Rahman", "Uddin", "Begum", "Chowdhury", "Miah"),
    ),
)

BSL_SHARE = 0.004
"""Share of patients whose main language is British Sign Language (``bfi``)."""

STREETS: tuple[str, ...] = (
    "Mill Street", "Canal Road", "Station Lane", "Victoria Terrace", "Chapel Row", "Beck Side",
    "Granary Wharf", "Hyde Park Road", "Harehills Lane", "Roundhay Road", "Kirkstall Road",
)
POSTCODES: tuple[str, ...] = (
    "LS1 4AP", "LS2 7DJ", "LS6 1AN", "LS7 3JB", "LS8 5PL", "LS9 8AB", "LS10 1JF", "LS11 5QD",
    "LS12 2HE", "LS4 2QW", "LS3 1LY",
)
