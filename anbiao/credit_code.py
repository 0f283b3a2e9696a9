"""统一社会信用代码 (GB 32100-2015): format and check character."""

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CHARS = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_REGION = re.compile(r"^..[0-9]{6}")


def check_char(first17: str) -> str:
    """The 18th character that the first 17 require."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-case and strip spaces, as people type and paste it."""
    return re.sub(r"\s+", "", code or "").upper()


def problem(code: str) -> str | None:
    """A Chinese sentence saying what is wrong with the code, or None when it is valid."""
    code = normalize(code)
    if not code:
        return "请填写统一社会信用代码"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现为{len(code)}位"
    if not _CHARS.match(code):
        return "统一社会信用代码含有不允许的字符（只用数字和大写字母，不用 I、O、Z、S、V）"
    if not _REGION.match(code):
        return "统一社会信用代码第3–8位应为行政区划代码（6位数字）"
    if check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对营业执照"
    return None
