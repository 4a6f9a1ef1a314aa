"""A/B tests: the normal distribution, the two-proportion test, verdicts, sample size."""

from __future__ import annotations

import doctest
import math
import random
from statistics import NormalDist

import polars as pl
import pytest

from kpi_core import abtest
from kpi_core.abtest import (
    Variant,
    compare,
    detection_power,
    normal_cdf,
    normal_quantile,
    parse_variant,
    result_dict,
    sample_size,
    variants_from_frame,
)
from kpi_core.issues import InputError


def row(result: abtest.ABResult, name: str) -> dict[str, object]:
    return result.table.filter(pl.col("variant") == name).to_dicts()[0]


# --- the normal distribution ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.975, 1.959963984540054),
        (0.8, 0.8416212335729143),
        (0.9, 1.2815515655446004),
        (0.995, 2.5758293035489004),
        (0.025, -1.959963984540054),
        (0.5, 0.0),
        (1e-12, -7.034483825301131),  # the far-tail branch of AS 241 (r > 5)
    ],
)
def test_normal_quantile_matches_known_quantiles(p: float, expected: float) -> None:
    assert normal_quantile(p) == pytest.approx(expected, abs=1e-9)


def test_normal_quantile_agrees_with_the_standard_library_everywhere() -> None:
    rng = random.Random(3)
    grid = [rng.random() for _ in range(20_000)] + [1e-300, 1e-15, 0.02425, 0.075, 1 - 1e-12]
    reference = NormalDist()
    for p in grid:
        assert normal_quantile(p) == pytest.approx(reference.inv_cdf(p), rel=1e-12, abs=1e-12)


def test_normal_cdf_inverts_the_quantile_and_keeps_the_tails() -> None:
    for p in (1e-10, 0.01, 0.3, 0.5, 0.8, 0.975, 0.999999):
        assert normal_cdf(normal_quantile(p)) == pytest.approx(p, rel=1e-12)
    assert normal_cdf(-10.0) == pytest.approx(7.619853024160525e-24, rel=1e-9)
    assert normal_cdf(0.0) == 0.5


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5])
def test_normal_quantile_refuses_non_probabilities(p: float) -> None:
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        normal_quantile(p)


# --- the two-proportion test against textbooks ------------------------------------------------


def test_two_proportion_z_test_matches_the_ims_mammogram_example() -> None:
    # Çetinkaya-Rundel & Hardin, *Introduction to Modern Statistics* (OpenIntro),
    # ch. 17 "Inference for comparing two proportions", the mammogram example
    # (also OpenIntro Statistics 4th ed. §6.2.3): breast-cancer deaths were
    # 500 of 500 + 44,425 = 44,925 in the mammogram group and 505 of
    # 505 + 44,405 = 44,910 in the control group. The book publishes
    # p_pool = 0.0112, point estimate −0.00012, SE = 0.00070, Z = −0.17 and
    # p-value 0.8650.
    #
    # By hand, unrounded:
    #   p_M = 500/44925 = 0.0111297,  p_C = 505/44910 = 0.0112447
    #   p_M − p_C = −0.00011505
    #   p_pool = 1005/89835 = 0.0111872
    #   SE = √(0.0111872 · 0.9888128 · (1/44925 + 1/44910))
    #      = √(0.0110620 · 4.45261e-5) = √(4.92549e-7) = 0.00070182
    #   z = −0.00011505 / 0.00070182 = −0.16393
    #   p = 2 Φ(−0.16393) = 0.86978
    # The book's Z = −0.17 is its *rounded* intermediates: −0.00012 / 0.00070 = −0.171,
    # whose p-value is 0.8650. Unrounded the same data give z = −0.164, p = 0.870.
    result = compare(
        [Variant("mammogram", 44925, 500), Variant("control", 44910, 505)], control="control"
    )
    m = row(result, "mammogram")
    diff = m["diff"] / 100  # the table has percentage points
    se = diff / m["z"]
    pooled = (500 + 505) / (44925 + 44910)
    assert round(pooled, 4) == 0.0112
    assert round(diff, 5) == -0.00012
    assert round(se, 5) == 0.00070
    assert round(-0.00012 / 0.00070, 2) == -0.17  # the book's own arithmetic
    assert m["z"] == pytest.approx(-0.16393, abs=5e-5)
    assert m["p_value"] == pytest.approx(0.86978, abs=5e-5)
    assert m["p_value"] == pytest.approx(0.8650, abs=0.006)  # the published, rounded value
    assert m["significant"] is False
    assert m["outcome"] == "no_clear_difference"
    assert result.table["variant"].to_list() == ["control", "mammogram"]


def test_difference_interval_matches_the_ims_cpr_example() -> None:
    # Same book, §17.3: the CPR / blood-thinner study, 14 of 40 treated and 11 of
    # 50 controls survived. Published: p̂_T − p̂_C = 0.35 − 0.22 = 0.13,
    # SE = √(0.35·0.65/40 + 0.22·0.78/50) = 0.095 and the 90 % interval
    # 0.13 ± 1.65 × 0.095 = (−0.027, 0.287).
    # By hand: SE = √(0.0056875 + 0.003432) = √0.0091195 = 0.095496;
    # z₀.₉₅ = 1.644854, so 0.13 ± 0.157077 = (−0.0271, 0.2871).
    result = compare([Variant("control", 50, 11), Variant("blood thinner", 40, 14)], alpha=0.10)
    r = row(result, "blood thinner")
    assert r["diff"] == pytest.approx(13.0)
    assert round(r["diff_low"] / 100, 3) == -0.027
    assert round(r["diff_high"] / 100, 3) == 0.287
    half = (r["diff_high"] - r["diff_low"]) / 200
    assert half / normal_quantile(0.95) == pytest.approx(0.095496, abs=1e-6)
    assert result.confidence == pytest.approx(0.90)
    # 11, 39, 14 and 26 are all at least 10 (the book checks the same), and p = 0.17:
    # not significant, and a +13 pp difference would need 149 per group at 80 % power
    # (alpha 0.10; 148.04 unrounded), so: too few, about 149 − 40 = 109 more.
    assert r["significant"] is False
    assert r["outcome"] == "too_few"
    assert r["more_needed"] == 109


def test_two_variants_by_hand() -> None:
    # A: 100/2000 = 5 %, B: 150/2000 = 7.5 %. Pooled 250/4000 = 0.0625,
    # SE₀ = √(0.0625·0.9375·(2/2000)) = √5.859375e-5 = 0.0076547, z = 0.025/0.0076547 = 3.2660,
    # p = 2(1 − Φ(3.2660)) = 0.0010908.
    # Unpooled SE = √(0.05·0.95/2000 + 0.075·0.925/2000) = √5.84375e-5 = 0.0076445,
    # 95 % interval 2.5 ± 1.959964·0.76445 = (1.0017, 3.9983) pp. Lift 0.025/0.05 = +50 %.
    result = compare([Variant("A", 2000, 100), Variant("B", 2000, 150)])
    b = row(result, "B")
    assert b["rate"] == 0.075
    assert b["z"] == pytest.approx(3.2660, abs=1e-4)
    assert b["p_value"] == pytest.approx(0.0010908, abs=1e-6)
    assert b["diff_low"] == pytest.approx(1.0017, abs=1e-4)
    assert b["diff_high"] == pytest.approx(3.9983, abs=1e-4)
    assert b["lift"] == pytest.approx(0.5)
    assert b["outcome"] == "better"
    assert (
        b["verdict"] == "B converts better than A (7.50% vs 5.00%, +2.5 pp, lift +50%, p = 0.001)."
    )
    assert result.sentences == (b["verdict"],)
    assert result.adjusted_alpha == 0.05
    worse = row(compare([Variant("B", 2000, 150), Variant("A", 2000, 100)]), "A")
    assert worse["outcome"] == "worse"
    assert worse["verdict"].startswith("A converts worse than B")


# --- Bonferroni ---------------------------------------------------------------------------


def test_bonferroni_with_three_variants() -> None:
    # D: 131/2000 vs A: 100/2000 gives p = 0.0356: a winner at 0.05 on its own, but
    # not at 0.05 / 2 = 0.025 when a third variant is tested too.
    alone = compare([Variant("A", 2000, 100), Variant("D", 2000, 131)])
    assert row(alone, "D")["p_value"] == pytest.approx(0.03562, abs=1e-5)
    assert row(alone, "D")["outcome"] == "better"

    three = compare([Variant("A", 2000, 100), Variant("B", 2000, 150), Variant("D", 2000, 131)])
    assert three.adjusted_alpha == pytest.approx(0.025)
    assert three.confidence == pytest.approx(0.975)
    d = row(three, "D")
    assert d["p_value"] == pytest.approx(0.03562, abs=1e-5)  # the same test...
    assert d["significant"] is False  # ...judged at the stricter level
    assert d["outcome"] != "better"
    b = row(three, "B")
    assert b["outcome"] == "better"
    assert "below the 0.025 needed with 3 variants" in b["verdict"]
    assert "Bonferroni" in three.sentences[-1]
    assert len(three.sentences) == 3
    # The interval is the 97.5 % one: half-width = z₀.₉₈₇₅ · unpooled SE.
    se = math.sqrt(0.05 * 0.95 / 2000 + 0.075 * 0.925 / 2000)
    assert (b["diff_high"] - b["diff_low"]) / 200 == pytest.approx(normal_quantile(0.9875) * se)


# --- zero conversions and thin samples ----------------------------------------------------------


def test_a_variant_with_zero_conversions_does_not_crash() -> None:
    # B: 0 of 1000 against A: 50 of 1000. The unpooled SE is A's alone,
    # √(0.05·0.95/1000) = 0.0068920, so the interval is −5 ± 1.959964·0.68920 = (−6.351, −3.649) pp.
    result = compare([Variant("A", 1000, 50), Variant("B", 1000, 0)])
    b = row(result, "B")
    assert b["rate"] == 0.0
    assert b["diff"] == pytest.approx(-5.0)
    assert b["diff_low"] == pytest.approx(-6.3508, abs=1e-4)
    assert b["diff_high"] == pytest.approx(-3.6492, abs=1e-4)
    assert b["p_value"] < 1e-9
    # ...but fewer than 10 conversions: no verdict. With none yet, B's rate is at most
    # about 3/1000 (rule of three), so 10 conversions need at least 10·1000/3 → 3,334
    # visitors: 2,334 more.
    assert b["outcome"] == "too_few"
    assert b["more_needed"] == 2334
    assert "B has no conversions yet (0 of 1,000 visitors)" in b["verdict"]
    assert "at least 2,334 more per variant needed" in b["verdict"]


def test_zero_conversions_everywhere() -> None:
    result = compare([Variant("A", 150, 0), Variant("B", 140, 0)])
    b = row(result, "B")
    assert (b["diff"], b["diff_low"], b["diff_high"]) == (0.0, 0.0, 0.0)
    assert b["z"] == 0.0 and b["p_value"] == 1.0
    assert b["lift"] is None  # no control rate to be relative to
    assert b["outcome"] == "too_few"
    assert b["more_needed"] == 350  # A: 10·150/3 = 500 visitors, 350 more
    assert "Too few visitors to tell B from A yet" in b["verdict"]


def test_a_small_sample_refuses_a_winner_even_when_p_is_small() -> None:
    # 20/200 vs 8/200: p = 0.019 < 0.05, but the control has only 8 conversions.
    result = compare([Variant("A", 200, 8), Variant("B", 200, 20)])
    b = row(result, "B")
    assert b["p_value"] == pytest.approx(0.01869, abs=1e-5)
    assert b["significant"] is True
    assert b["outcome"] == "too_few"
    assert "A has only 8 conversions" in b["verdict"]
    # More needed: A needs 10·200/8 = 250 visitors for 10 conversions; the power
    # formula for 4 % → 10 % needs
    #   (1.959964·√(2·0.07·0.93) + 0.841621·√(0.04·0.96 + 0.10·0.90))² / 0.06²
    #   = (0.707218 + 0.301577)² / 0.0036 = 282.685 → 283, so 83 more.
    assert b["more_needed"] == 83
    assert "about 83 more per variant needed" in b["verdict"]


def test_too_few_non_conversions_also_refuses() -> None:
    result = compare([Variant("control", 50, 45), Variant("B", 50, 49)])
    b = row(result, "B")
    assert b["outcome"] == "too_few"
    assert "Only 1 of B's visitors did not convert" in b["verdict"]


def test_low_power_says_how_many_more_visitors() -> None:
    # 125/2000 vs 100/2000, p = 0.086: not significant, and a difference of +1.25 pp
    # needs sample_size(0.05, +0.0125 absolute) = 5,333 per variant at 80 % power:
    #   (1.959964·√(2·0.05625·0.94375) + 0.841621·√(0.05·0.95 + 0.0625·0.9375))² / 0.0125²
    #   = (0.638635 + 0.274133)² / 0.00015625 = 5332.1 → 5,333,
    # within ten times the 2,000 so far, so "too few", 3,333 more.
    result = compare([Variant("A", 2000, 100), Variant("C", 2000, 125)])
    c = row(result, "C")
    assert c["outcome"] == "too_few"
    needed = sample_size(0.05, 0.0125, relative=False)
    assert needed == 5333
    assert c["more_needed"] == 3333
    assert f"about {needed - 2000:,} more per variant needed" in c["verdict"]


def test_a_tiny_difference_on_a_big_sample_is_no_clear_difference() -> None:
    result = compare([Variant("A", 20000, 1000), Variant("B", 20000, 1010)])
    b = row(result, "B")
    assert b["outcome"] == "no_clear_difference"
    assert b["more_needed"] is None
    assert b["verdict"].startswith("No clear difference yet between B and A (5.05% vs 5.00%")
    assert "(95 % interval)" in b["verdict"]


def test_invariants_on_random_tests() -> None:
    rng = random.Random(11)
    for _ in range(300):
        k = rng.randint(2, 4)
        variants = []
        for i in range(k):
            visitors = rng.randint(1, 5000)
            variants.append(Variant(f"V{i}", visitors, rng.randint(0, visitors)))
        result = compare(variants, alpha=rng.choice([0.01, 0.05, 0.1]))
        t = result.table
        assert t.height == k
        assert t["rate"].is_between(0, 1).all()
        rest = t.slice(1)
        assert (rest["diff_low"] <= rest["diff"] + 1e-12).all()
        assert (rest["diff"] <= rest["diff_high"] + 1e-12).all()
        assert rest["p_value"].is_between(0, 1).all()
        assert (rest["significant"] == (rest["p_value"] < result.adjusted_alpha)).all()
        assert set(rest["outcome"]) <= {"better", "worse", "no_clear_difference", "too_few"}
        thin = rest.filter(pl.col("outcome") == "too_few")
        assert (thin["more_needed"] >= 1).all()
        winners = rest.filter(pl.col("outcome").is_in(["better", "worse"]))
        assert winners["significant"].all()
        for r in winners.iter_rows(named=True):
            v = next(x for x in variants if x.name == r["variant"])
            base = variants[0]
            counts = (v.conversions, v.visitors - v.conversions)
            counts += (base.conversions, base.visitors - base.conversions)
            assert min(counts) >= 10


# --- sample size and power --------------------------------------------------------------------


def test_sample_size_for_ten_percent_and_a_twenty_percent_lift() -> None:
    # p1 = 0.10, p2 = 0.12, p̄ = 0.11, two-sided alpha 0.05, power 0.8:
    #   z₀.₉₇₅ √(2·0.11·0.89) = 1.959964 · 0.442493 = 0.867271
    #   z₀.₈  √(0.10·0.90 + 0.12·0.88) = 0.841621 · 0.442267 = 0.372222
    #   n = (0.867271 + 0.372222)² / 0.02² = 1.536343 / 0.0004 = 3840.85 → 3841 per variant.
    # R's power.prop.test(p1 = 0.10, p2 = 0.12, power = 0.8) solves the same equation.
    assert sample_size(0.10, 0.20) == 3841
    assert sample_size(0.10, 0.02, relative=False) == 3841
    assert abtest._required_n(0.10, 0.12, 0.05, 0.8) == pytest.approx(3840.85, abs=0.01)


def test_sample_size_and_power_match_the_r_documentation() -> None:
    # ?power.prop.test: "power.prop.test(p1 = .50, p2 = .75, power = .90)  # => n = 76.7"
    # and "power.prop.test(n = 50, p1 = .50, p2 = .75)  # => power = 0.740".
    assert abtest._required_n(0.50, 0.75, 0.05, 0.90) == pytest.approx(76.7, abs=0.05)
    assert sample_size(0.50, 0.25, relative=False, power=0.90) == 77
    assert detection_power(0.50, 0.75, 50) == pytest.approx(0.740, abs=5e-4)


def test_sample_size_grows_with_stricter_demands() -> None:
    base = sample_size(0.05, 0.10)
    assert sample_size(0.05, 0.10, alpha=0.01) > base
    assert sample_size(0.05, 0.10, power=0.9) > base
    assert sample_size(0.05, 0.20) < base
    assert sample_size(0.05, -0.10) > 0  # a drop is detected the same way


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline_rate": 0.0, "lift": 0.2}, "strictly between 0 and 1"),
        ({"baseline_rate": 1.0, "lift": 0.2}, "strictly between 0 and 1"),
        ({"baseline_rate": 0.1, "lift": 0.0}, "lift of 0"),
        ({"baseline_rate": 0.9, "lift": 0.2}, "not a rate between 0 and 1"),
        ({"baseline_rate": 0.1, "lift": 0.2, "alpha": 1.0}, "alpha"),
        ({"baseline_rate": 0.1, "lift": 0.2, "power": 0.0}, "power"),
    ],
)
def test_sample_size_refuses_impossible_inputs(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        sample_size(**kwargs)


# --- variants and parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B:1200:58", Variant("B", 1200, 58)),
        ("New headline:1200:58", Variant("New headline", 1200, 58)),
        ("  New headline : 1200 : 58 ", Variant("New headline", 1200, 58)),
        ("Test: v2:100:5", Variant("Test: v2", 100, 5)),
        ("B:1 200:58", Variant("B", 1200, 58)),
        ("B:1_200:0", Variant("B", 1200, 0)),
    ],
)
def test_parse_variant(text: str, expected: Variant) -> None:
    assert parse_variant(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("B:1200", "expected NAME:VISITORS:CONVERSIONS"),
        ("B-1200-58", "expected NAME:VISITORS:CONVERSIONS"),
        (":1200:58", "expected NAME:VISITORS:CONVERSIONS"),
        ("B:12.5:3", "visitors ‘12.5’ is not a whole number"),
        ("B:1200:-3", "conversions ‘-3’ is not a whole number"),
        ("B:1.200:58", "not a whole number"),
        ("B:100:120", "Variant ‘B’ has more conversions \\(120\\) than visitors \\(100\\)"),
        ("B:0:0", "Variant ‘B’ has no visitors"),
    ],
)
def test_parse_variant_errors_say_the_form(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_variant(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("B", -1, 0), "visitors cannot be negative"),
        (("B", 100, -1), "conversions cannot be negative"),
        (("B", 100.5, 3), "visitors must be a whole number"),
        (("B", True, 0), "visitors must be a whole number"),
        (("B", 100, "3"), "conversions must be a whole number"),
        (("  ", 100, 3), "needs a name"),
    ],
)
def test_variant_validation_names_the_variant(args: tuple, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Variant(*args)


def test_variant_takes_whole_floats() -> None:
    v = Variant(" B ", 1200.0, 58.0)
    assert (v.name, v.visitors, v.conversions) == ("B", 1200, 58)
    assert isinstance(v.visitors, int)


def test_compare_errors() -> None:
    with pytest.raises(InputError, match="at least two variants"):
        compare([Variant("A", 10, 1)])
    with pytest.raises(InputError, match="Two variants are called ‘a’"):
        compare([Variant("A", 10, 1), Variant("a", 10, 2)])
    with pytest.raises(InputError, match="no variant called ‘Z’"):
        compare([Variant("A", 10, 1), Variant("B", 10, 2)], control="Z")
    with pytest.raises(InputError, match="significance level"):
        compare([Variant("A", 10, 1), Variant("B", 10, 2)], alpha=0)


def test_a_named_control_comes_first() -> None:
    result = compare([Variant("New", 2000, 150), Variant("Old", 2000, 100)], control="old")
    assert result.control == "Old"
    assert result.table["variant"].to_list() == ["Old", "New"]
    assert result.table["outcome"].to_list() == ["control", "better"]
    assert row(result, "Old")["verdict"] == "Old is the control."


def test_variants_from_an_uploaded_table() -> None:
    t = pl.DataFrame(
        {
            "Variant": ["A", "B", None],
            "Besøgende": [1000.0, 1100.0, None],
            "Konverteringer": [40.0, 61.0, None],
        }
    )
    assert variants_from_frame(t) == [Variant("A", 1000, 40), Variant("B", 1100, 61)]
    with pytest.raises(InputError, match="conversions column"):
        variants_from_frame(t.drop("Konverteringer"))


def test_result_dict_is_json_ready() -> None:
    import json

    data = result_dict(compare([Variant("A", 2000, 100), Variant("B", 2000, 150)]))
    text = json.dumps(data)
    assert '"control": "A"' in text
    assert data["variants"][1]["outcome"] == "better"


def test_docstring_examples() -> None:
    failures, _ = doctest.testmod(abtest, optionflags=doctest.ELLIPSIS)
    assert failures == 0


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "B konverterer bedre end A (7,50 % mod 5,00 %, +2,5 pct.-point, løft +50 %, "
               "p = 0,001)."),
        ("nb", "B konverterer bedre enn A (7,50 % mot 5,00 %, +2,5 %-poeng, løft +50 %, "
               "p = 0,001)."),
        ("sv", "B konverterar bättre än A (7,50 % mot 5,00 %, +2,5 %-enheter, lyft +50 %, "
               "p = 0,001)."),
    ],
)  # fmt: skip
def test_verdicts_speak_the_locale(locale: str, expected: str) -> None:
    result = compare([Variant("A", 2000, 100), Variant("B", 2000, 150)], locale=locale)
    assert result.sentences[0].replace("\u00a0", " ") == expected


def test_a_thin_verdict_in_danish_names_both_reasons() -> None:
    b = row(compare([Variant("A", 1000, 8), Variant("B", 1000, 0)], locale="da"), "B")
    assert "B har ingen konverteringer endnu (0 af 1.000 besøgende) og A har kun 8" in b["verdict"]
