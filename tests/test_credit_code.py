"""统一社会信用代码 (GB 32100-2015): shape, forbidden letters and the check character."""

import random

import pytest

from anbiao import credit_code

VALID = ["91350100M000100Y43", "91110000802100433B"]
ALLOWED = credit_code.ALPHABET


@pytest.mark.parametrize("code", VALID)
def test_published_valid_codes_are_accepted(code):
    """Codes printed on real business licences pass."""
    assert credit_code.problem(code) is None


@pytest.mark.parametrize("code", VALID)
def test_check_char_reproduces_the_last_character_of_valid_codes(code):
    """The check character computed from the first 17 equals the 18th."""
    assert credit_code.check_char(code[:17]) == code[17]


@pytest.mark.parametrize("typed", [" 91350100m000100y43 ", "9135 0100 M000 100Y 43", "91110000802100433b",
                                   "9111\t0000\n802100433B"])
def test_lower_case_and_spaces_are_normalised_before_checking(typed):
    """People type lower case and paste with spaces; both are accepted."""
    assert credit_code.problem(typed) is None


def test_normalize_upper_cases_and_removes_all_whitespace():
    """normalize gives the stored form."""
    assert credit_code.normalize(" 9135 0100m000100y43\n") == "91350100M000100Y43"
    assert credit_code.normalize(None) == ""


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_empty_code_asks_for_the_code(blank):
    """An empty field asks the user to fill it in."""
    assert "请填写" in credit_code.problem(blank)


def test_wrong_check_character_is_reported_as_check_character():
    """A code with a wrong last character names the 校验位."""
    message = credit_code.problem("91350100M000100Y44")
    assert message is not None
    assert "校验位" in message


@pytest.mark.parametrize("code, length", [("91350100M000100Y4", 17), ("91350100M000100Y433", 19),
                                          ("9135", 4)])
def test_wrong_length_says_18_characters_and_the_actual_length(code, length):
    """A short or long code names the required 18 characters and how many were given."""
    message = credit_code.problem(code)
    assert "18位" in message
    assert f"{length}位" in message


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
@pytest.mark.parametrize("where", [0, 10, 17])
def test_forbidden_letters_are_refused_with_a_message_naming_them(letter, where):
    """I, O, Z, S and V never appear in a credit code; the message lists them."""
    code = VALID[0][:where] + letter + VALID[0][where + 1:]
    message = credit_code.problem(code)
    assert message is not None
    assert "不允许的字符" in message
    assert letter in message


@pytest.mark.parametrize("where", range(2, 8))
def test_non_digit_region_code_is_refused_with_a_message_about_positions_3_to_8(where):
    """Characters 3–8 are the administrative region code and must be digits."""
    code = VALID[0][:where] + "A" + VALID[0][where + 1:]
    message = credit_code.problem(code)
    assert message is not None
    assert "第3–8位" in message
    assert "行政区划" in message


@pytest.mark.parametrize("junk", ["-", "中", "#", "_"])
def test_punctuation_and_chinese_characters_are_refused(junk):
    """Only the 31 code characters are allowed."""
    code = VALID[0][:12] + junk + VALID[0][13:]
    assert "不允许的字符" in credit_code.problem(code)


def test_messages_are_chinese():
    """Every problem is a Chinese sentence."""
    for code in ["", "123", "91350100M000100Y44", "9I350100M000100Y43"]:
        message = credit_code.problem(code)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def _random_prefix(rng):
    return (rng.choice(ALLOWED) + rng.choice(ALLOWED) + "".join(rng.choice("0123456789") for _ in range(6))
            + "".join(rng.choice(ALLOWED) for _ in range(9)))


def test_for_random_prefixes_only_the_computed_check_character_is_accepted():
    """For many valid 17-character prefixes, exactly one 18th character passes."""
    rng = random.Random(32100)
    for _ in range(300):
        prefix = _random_prefix(rng)
        right = credit_code.check_char(prefix)
        assert right in ALLOWED
        assert credit_code.problem(prefix + right) is None, prefix + right
        for other in ALLOWED:
            if other != right:
                message = credit_code.problem(prefix + other)
                assert message is not None and "校验位" in message, prefix + other


def test_alphabet_has_31_characters_without_i_o_z_s_v():
    """The code alphabet is the 31 characters of GB 32100."""
    assert len(ALLOWED) == 31 == len(set(ALLOWED))
    assert not set("IOZSV") & set(ALLOWED)
