"""Legal forms of organisations in many languages, recognised as evidence rather than name.

A legal form says *what kind* of organisation a name belongs to ("Co., Ltd.", "GmbH", "OOO",
"有限公司"), not *which* one; comparing names with their legal forms stripped avoids both false
alerts ("Acme Ltd" vs "Zenith Ltd" share nothing distinctive) and misses ("Hikvision Co Ltd" vs
"Hikvision Limited" are the same company).

Each form maps to a canonical code so two spellings of one form agree as evidence. Sources: the
ISO 20275 Entity Legal Forms code list (GLEIF, ELF version 1.5) for the Latin-script and
transliterated forms, and common usage in the lists themselves for the CJK forms.
"""

from __future__ import annotations

# Canonical code -> spellings, each a sequence of normalised tokens (lower case, punctuation
# removed, single letters joined: "S.A. de C.V." -> "sa de cv").
_LATIN_FORMS: dict[str, tuple[str, ...]] = {
    "LTD": (
        "ltd",
        "limited",
        "co ltd",
        "company limited",
        "co limited",
        "company ltd",
        "pte ltd",
        "pte limited",
        "pvt ltd",
        "private limited",
        "pvt limited",
        "pty ltd",
        "pty limited",
        "corp ltd",
        "sdn bhd",
        "bhd",
        "berhad",
        "ltda",
        "limitada",
    ),
    "LLC": (
        "llc",
        "l l c",
        "llp",
        "lp",
        "fz llc",
        "fzllc",
        "fze",
        "fzco",
        "fzc",
        "dmcc",
        "limited liability company",
        "limited liability partnership",
        "obshchestvo s ogranichennoi otvetstvennostyu",
        "obshchestvo s ogranichennoy otvetstvennostyu",
        "obshchestvo s ogranichennoj otvetstvennostju",
        "tovarystvo z obmezhenoiu vidpovidalnistiu",
        "tovarystvo z obmezhenoyu vidpovidalnistyu",
    ),
    "INC": ("inc", "incorporated", "corp", "corporation"),
    # "Co." / "Company" say only that it is a company: compatible with any other form.
    "CO": ("co", "company", "cos", "companies", "compania", "compagnie", "companhia"),
    "PLC": ("plc", "public limited company", "pcl", "public co ltd", "public company limited"),
    "GMBH": ("gmbh", "mbh", "gmbh co kg", "co kg", "kg", "ag", "ug", "ohg", "e v", "ev"),
    "SA": (
        "sa",
        "sa de cv",
        "sapi de cv",
        "sab de cv",
        "s de rl de cv",
        "s de rl",
        "sas",
        "sarl",
        "sal",  # societe anonyme libanaise
        "sl",
        "srl",
        "spa",
        "sl",
        "snc",
        "sca",
        "sprl",
        "bv",
        "nv",
        "cv",
        "ca",
        "se",
        "ad",  # Bulgarian, Serbian, North Macedonian joint-stock company
        "ead",
        "eood",
        "ood",
    ),
    "AB": ("ab", "oy", "oyj", "as", "asa", "aps", "a s", "hf", "ehf"),
    "RU": (
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "tov",
        "tdv",
        "pat",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "joint stock company",
        "open joint stock company",
        "closed joint stock company",
        "public joint stock company",
        "joint stock commercial bank",
        "aktsionernoe obshchestvo",
        "aktsionernoye obshchestvo",
        "otkrytoe aktsionernoe obshchestvo",
        "zakrytoe aktsionernoe obshchestvo",
        "publichnoe aktsionernoe obshchestvo",
        "publichnoye aktsionernoye obshchestvo",
        "federalnoe gosudarstvennoe unitarnoe predpriyatie",
        "fgup",
    ),
    "KK": ("kk", "kabushiki kaisha", "kabushikigaisha", "yk", "gk", "chusikhoesa", "jusighoesa"),
    "TR": ("as", "ltd sti", "sti", "anonim sirketi", "as"),
    "ID": ("pt", "tbk", "pt tbk", "cv"),
    "EST": ("est", "establishment", "ent", "enterprise", "enterprises"),
    "GROUP": ("group", "holding", "holdings", "group co ltd", "group corp"),
}

# Forms written in front of the name in their languages ("OOO Romashka", "PT Bank X",
# "Limited Liability Company Gazflot"): the Russian and Ukrainian forms, their English
# translations as the lists print them, and a few others.
_PREFIX_CODES = frozenset({"RU", "LLC"})
_PREFIX_EXTRA = frozenset({"pt", "kk"})

# CJK forms, longest first; matched at the end (and for ja/ko also the start) of a name written
# without spaces. Simplified forms suffice: traditional text is folded to simplified first.
CJK_FORMS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            ("股份有限公司", "LTD"),
            ("有限责任公司", "LLC"),
            ("集团有限公司", "GROUP"),
            ("集团股份有限公司", "GROUP"),
            ("控股有限公司", "GROUP"),
            ("有限公司", "LTD"),
            ("公司", "CO"),
            ("集团", "GROUP"),
            ("株式会社", "KK"),
            ("有限会社", "KK"),
            ("合同会社", "KK"),
            ("주식회사", "KK"),
            ("유한회사", "LTD"),
            ("(주)", "KK"),
            ("㈜", "KK"),
        ),
        key=lambda pair: -len(pair[0]),
    )
)

LATIN_FORM_CODES: dict[tuple[str, ...], str] = {
    tuple(spelling.split()): code
    for code, spellings in _LATIN_FORMS.items()
    for spelling in spellings
}
_MAX_FORM_TOKENS = max(len(k) for k in LATIN_FORM_CODES)


def split_legal_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Strip legal forms from the end (and known prefix forms from the start) of `tokens`.

    Returns the remaining name tokens and the canonical codes found. Never strips every token:
    a name that is only a legal form ("Company") keeps it as its name.

    >>> split_legal_forms("hangzhou hikvision digital technology co ltd".split())
    (['hangzhou', 'hikvision', 'digital', 'technology'], ['LTD'])
    >>> split_legal_forms(["ooo", "romashka"])
    (['romashka'], ['RU'])
    """
    forms: list[str] = []
    rest = list(tokens)
    changed = True
    while changed and len(rest) > 1:
        changed = False
        for size in range(min(_MAX_FORM_TOKENS, len(rest) - 1), 0, -1):
            code = LATIN_FORM_CODES.get(tuple(rest[-size:]))
            if code is not None:
                forms.append(code)
                del rest[-size:]
                changed = True
                break
    for size in range(min(_MAX_FORM_TOKENS, len(rest) - 1), 0, -1):
        head = tuple(rest[:size])
        code = LATIN_FORM_CODES.get(head)
        if code is not None and (code in _PREFIX_CODES or (size == 1 and head[0] in _PREFIX_EXTRA)):
            forms.append(code)
            del rest[:size]
            break
    return rest, forms


def split_cjk_legal_forms(text: str) -> tuple[str, list[str]]:
    """Strip CJK legal forms from the end (or, for 株式会社/주식회사, the start) of `text`.

    >>> split_cjk_legal_forms("杭州海康威视数字技术股份有限公司")
    ('杭州海康威视数字技术', ['LTD'])
    """
    forms: list[str] = []
    stripped = text.strip()
    changed = True
    while changed:
        changed = False
        for form, code in CJK_FORMS:
            if stripped.endswith(form) and len(stripped) > len(form):
                stripped = stripped[: -len(form)].rstrip()
                forms.append(code)
                changed = True
                break
            if stripped.startswith(form) and len(stripped) > len(form) and code == "KK":
                stripped = stripped[len(form) :].lstrip()
                forms.append(code)
                changed = True
                break
    return stripped, forms
