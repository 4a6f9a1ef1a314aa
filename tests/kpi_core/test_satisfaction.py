"""Satisfaction: NPS and CSAT with their intervals, column suggestions, first response times."""

from __future__ import annotations

import datetime as dt
import doctest
import math
import random

import polars as pl
import pytest

from kpi_core import satisfaction
from kpi_core.issues import InputError
from kpi_core.satisfaction import (
    MIN_RELIABLE,
    SurveyColumns,
    TicketColumns,
    csat,
    csat_from_counts,
    csat_monthly,
    first_response,
    nps,
    nps_from_counts,
    nps_monthly,
    score_of,
    score_table,
    suggest_survey_columns,
    suggest_ticket_columns,
    validate_survey,
    validate_tickets,
    wilson_interval,
)

Z95 = 1.959963984540054


# --- NPS ---------------------------------------------------------------------------------------


def test_nps_of_ten_answers_by_hand() -> None:
    # 10, 9, 9, 10, 9 are promoters (5); 8, 7 passives (2); 6, 5, 3 detractors (3).
    # NPS = 100 · (5 − 3) / 10 = +20.
    # p = 0.5, d = 0.3: var = (0.5 + 0.3 − 0.2²) / 10 = 0.76 / 10 = 0.076,
    # half-width = 1.959964 · 100 · √0.076 = 1.959964 · 27.5681 = 54.0325,
    # interval (−34.03, +74.03).
    s = nps([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
    assert (s.promoters, s.passives, s.detractors, s.n) == (5, 2, 3, 10)
    assert s.value == pytest.approx(20.0)
    half = Z95 * 100 * math.sqrt(0.076)
    assert half == pytest.approx(54.0325, abs=1e-4)
    assert s.low == pytest.approx(20 - half)
    assert s.high == pytest.approx(20 + half)
    assert s.reliable is False
    assert s.measure == "nps"
    assert s.sentence == "NPS +20 from 10 answers: too few to read much into (interval −34 to +74)."


def test_nps_interval_by_hand_for_a_large_sample() -> None:
    # 220 promoters, 104 passives, 88 detractors = 412 answers.
    # p = 0.533981, d = 0.213592, NPS = 100 · 0.320388 = +32.04.
    # var = (0.747573 − 0.102649) / 412 = 0.0015653, √var · 100 = 3.95645,
    # half-width = 1.959964 · 3.95645 = 7.7545: interval (24.28, 39.79).
    s = nps_from_counts(220, 104, 88)
    assert s.value == pytest.approx(32.0388, abs=1e-4)
    assert s.low == pytest.approx(24.2843, abs=1e-4)
    assert s.high == pytest.approx(39.7933, abs=1e-4)
    assert s.reliable is True
    assert s.sentence == "NPS +32 from 412 answers (95 % interval +24 to +40)."


def test_nps_interval_is_clamped_to_the_scale() -> None:
    # 9 promoters, 1 passive: NPS 90, var = (0.9 − 0.81) / 10 = 0.009,
    # 90 ± 1.959964 · 100 · 0.094868 = 90 ± 18.594: the top is clamped to 100.
    s = nps_from_counts(9, 1, 0)
    assert s.value == pytest.approx(90.0)
    assert s.low == pytest.approx(71.406, abs=1e-3)
    assert s.high == 100.0


@pytest.mark.parametrize(
    ("answer", "value", "group"),
    [(9, 100.0, "promoter"), (7, 0.0, "passive"), (0, -100.0, "detractor")],
)
def test_nps_of_one_answer(answer: int, value: float, group: str) -> None:
    s = nps([answer])
    assert s.n == 1
    assert s.value == value
    # One answer has no spread: the normal approximation collapses onto the score.
    assert s.low == s.high == value
    assert s.reliable is False
    assert "too few to read much into" in s.sentence
    assert f"every answer is a {group}" in s.sentence


def test_all_promoters_gives_a_degenerate_interval_at_the_bound() -> None:
    # p = 1, d = 0: var = (1 − 1²) / n = 0, so the interval is [100, 100]. That is the
    # approximation running out, not certainty; the sentence says so.
    s = nps([10] * 50)
    assert (s.value, s.low, s.high) == (100.0, 100.0, 100.0)
    assert s.reliable is True
    assert s.sentence == (
        "NPS +100 from 50 answers, every one a promoter (so the 95 % interval has no width "
        "and cannot show how sure this is)."
    )


def test_nps_reliable_from_thirty_answers() -> None:
    assert MIN_RELIABLE == 30
    assert nps([9, 3] * 15).reliable is True
    assert nps([9, 3] * 14 + [9]).reliable is False


def test_nps_without_answers() -> None:
    s = nps([None, float("nan")])
    assert (s.value, s.low, s.high, s.n) == (None, None, None, 0)
    assert s.sentence == "No NPS yet: there are no answers."


def test_nps_skips_blanks_and_takes_whole_floats() -> None:
    s = nps([9.0, None, 6, float("nan")])
    assert (s.n, s.promoters, s.detractors) == (2, 1, 1)
    assert nps(pl.Series([10.0, 0.0])).value == 0.0


@pytest.mark.parametrize(
    ("scores", "shown"),
    [
        ([9, 11], "11"),
        ([9.5], "9.5"),
        ([-1], "-1"),
        (["9"], "'9'"),
        ([True], "True"),
    ],
)
def test_nps_refuses_answers_off_the_scale(scores: list, shown: str) -> None:
    # One answer: "1 answer is not a whole number"; several: "are not whole numbers".
    with pytest.raises(InputError, match=r"not (a )?whole numbers? from 0 to 10") as err:
        nps(scores)
    assert shown in str(err.value)


def test_nps_error_lists_at_most_three_examples() -> None:
    with pytest.raises(InputError) as err:
        nps([11, 12, 13, 14, 9])
    message = str(err.value)
    assert message.startswith("4 answers are not whole numbers from 0 to 10 (such as 11, 12, 13)")


# --- CSAT --------------------------------------------------------------------------------------


def test_csat_with_a_wilson_interval_by_hand() -> None:
    # 5, 4, 4, 5, 4, 5, 4 are satisfied: 7 of 10 = 70 %.
    # Wilson, z² = 3.841459: denominator 1 + 0.3841459 = 1.3841459,
    # centre = (0.7 + 3.841459/20) / 1.3841459 = 0.892073 / 1.3841459 = 0.644493,
    # half = 1.959964 · √(0.7·0.3/10 + 3.841459/400) / 1.3841459
    #      = 1.959964 · √0.0306036 / 1.3841459 = 0.247715,
    # interval (0.396778, 0.892209).
    s = csat([5, 4, 4, 3, 5, 2, 4, 5, 1, 4])
    assert (s.satisfied, s.n, s.value) == (7, 10, 70.0)
    assert s.low == pytest.approx(39.6778, abs=1e-4)
    assert s.high == pytest.approx(89.2209, abs=1e-4)
    assert s.promoters is None and s.measure == "csat"
    assert (
        s.sentence
        == "CSAT 70 % from 10 answers: too few to read much into (interval 40 % to 89 %)."
    )


def test_wilson_interval_formula() -> None:
    z2 = Z95**2
    for successes, n in ((0, 5), (3, 3), (8, 10), (412, 500)):
        share = successes / n
        centre = (share + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        low, high = wilson_interval(successes, n)
        assert low == pytest.approx(max(centre - half, 0.0), abs=1e-12)
        assert high == pytest.approx(min(centre + half, 1.0), abs=1e-12)
    assert wilson_interval(0, 68)[0] == 0.0
    assert wilson_interval(68, 68)[1] == 1.0


def test_csat_keeps_a_width_at_100_percent() -> None:
    # All satisfied: the Wilson lower end is 1 / (1 + z²/n) = 1 / 2.280486 = 0.438503.
    s = csat([5, 5, 4])
    assert s.value == 100.0
    assert s.high == pytest.approx(100.0)
    assert s.low == pytest.approx(43.8503, abs=1e-4)
    nobody = csat([1, 2, 3])
    assert nobody.value == 0.0 and nobody.low == 0.0 and nobody.high > 0


def test_csat_reliable_and_sentence_for_a_large_sample() -> None:
    s = csat_from_counts(346, 412)
    assert s.reliable is True
    assert s.sentence.startswith("CSAT 84 % from 412 answers (95 % interval ")


def test_csat_refuses_answers_off_its_scale() -> None:
    with pytest.raises(InputError, match="not whole numbers from 1 to 5"):
        csat([0, 6])
    assert csat([]).value is None


def test_score_invariants() -> None:
    rng = random.Random(5)
    for _ in range(500):
        counts = [rng.randint(0, 40) for _ in range(3)]
        if sum(counts) == 0:
            continue
        s = nps_from_counts(*counts)
        assert -100 <= s.low <= s.value <= s.high <= 100
        assert s.reliable == (s.n >= 30)
        n = rng.randint(1, 300)
        c = csat_from_counts(rng.randint(0, n), n)
        assert 0 <= c.low <= c.value <= c.high <= 100


# --- column suggestions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (
            {"Dato": "date", "Kunde-id": "id", "Karakter": "number"},
            SurveyColumns("Dato", "Karakter", "Kunde-id"),
        ),
        (
            {"Svarsdatum": "date", "Betyg": "number", "Kundnummer": "id"},
            SurveyColumns("Svarsdatum", "Betyg", "Kundnummer"),
        ),
        (
            {"Dato": "date", "Bedømmelse": "number", "Kundenr": "id"},
            SurveyColumns("Dato", "Bedømmelse", "Kundenr"),
        ),
        (
            {"Date": "date", "Rating": "number", "Customer ID": "id"},
            SurveyColumns("Date", "Rating", "Customer ID"),
        ),
        (
            {
                "Tidsstempel": "date",
                "Hvor sandsynligt er det, at du vil anbefale os?": "number",
                "E-mail": "text",
            },
            SurveyColumns(
                "Tidsstempel", "Hvor sandsynligt er det, at du vil anbefale os?", "E-mail"
            ),
        ),
        ({"Svar": "number", "Datum": "date"}, SurveyColumns("Datum", "Svar")),
        # No recognised headers: the only date and the only number.
        ({"Uge": "date", "Værdi": "number"}, SurveyColumns("Uge", "Værdi")),
    ],
)
def test_suggest_survey_columns(kinds: dict[str, str], expected: SurveyColumns) -> None:
    assert suggest_survey_columns(kinds) == expected


def test_suggest_survey_columns_prefers_the_named_scale() -> None:
    kinds = {"Datum": "date", "NPS": "number", "CSAT": "number"}
    assert suggest_survey_columns(kinds, scale="nps").score == "NPS"
    assert suggest_survey_columns(kinds, scale="csat").score == "CSAT"
    kinds = {"Dato": "date", "Tilfredshed": "number", "Anbefaling": "number"}
    assert suggest_survey_columns(kinds, scale="csat").score == "Tilfredshed"
    assert suggest_survey_columns(kinds, scale="nps").score == "Anbefaling"


def test_suggest_survey_columns_names_what_is_missing() -> None:
    with pytest.raises(InputError) as err:
        suggest_survey_columns({"Note": "text"})
    assert "the date of each answer" in str(err.value)
    assert "score" in str(err.value)
    with pytest.raises(InputError) as err:
        suggest_survey_columns({"Dato": "date", "A": "number", "B": "number"}, scale="nps")
    assert "the 0–10 score" in str(err.value)
    assert "date of each answer" not in str(err.value)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (
            {"Sagsnr": "id", "Oprettet": "date", "Første svar": "date", "Løst": "date"},
            TicketColumns("Oprettet", "Første svar", "Sagsnr"),
        ),
        (
            {"Saksnr": "id", "Opprettet": "date", "Første svar": "date"},
            TicketColumns("Opprettet", "Første svar", "Saksnr"),
        ),
        (
            {"Ärende": "id", "Skapad": "date", "Första svar": "date"},
            TicketColumns("Skapad", "Första svar", "Ärende"),
        ),
        (
            {"Ticket ID": "id", "Created at": "date", "First reply at": "date", "Solved": "date"},
            TicketColumns("Created at", "First reply at", "Ticket ID"),
        ),
        (
            {"Created": "date", "First response": "date"},
            TicketColumns("Created", "First response"),
        ),
    ],
)
def test_suggest_ticket_columns(kinds: dict[str, str], expected: TicketColumns) -> None:
    assert suggest_ticket_columns(kinds) == expected


def test_suggest_ticket_columns_takes_text_times() -> None:
    # A file read as text keeps the time of day (the loader drops it from dates).
    kinds = {"Sag": "id", "Oprettet": "text", "Første svar": "text", "Emne": "text"}
    assert suggest_ticket_columns(kinds) == TicketColumns("Oprettet", "Første svar", "Sag")


def test_suggest_ticket_columns_never_guesses_the_first_reply() -> None:
    with pytest.raises(InputError) as err:
        suggest_ticket_columns({"Oprettet": "date", "Løst": "date"})
    assert "first reply" in str(err.value)
    assert "created" not in str(err.value)
    with pytest.raises(InputError) as err:
        suggest_ticket_columns({"Note": "text"})
    assert "created" in str(err.value) and "first reply" in str(err.value)


# --- survey files --------------------------------------------------------------------------------


def survey() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Dato": [
                dt.date(2026, 1, 5),
                dt.date(2026, 1, 9),
                None,
                dt.date(2026, 3, 2),
                dt.date(2026, 3, 3),
                dt.date(2026, 3, 4),
                dt.date(2026, 3, 5),
                dt.date(2026, 3, 20),
            ],
            "Score": ["10", "3", "9", "9,5", "abc", None, "8", "12"],
            "Kunde": ["a", "a", "b", "c", "d", "e", "f", "g"],
        }
    )


def test_validate_survey_reports_every_row_left_out() -> None:
    issues = validate_survey(survey(), SurveyColumns("Dato", "Score", "Kunde"), scale="nps")
    by_field = [(i.level, i.field, i.count) for i in issues]
    assert by_field == [
        ("info", "Score", 1),  # blank answer
        ("warning", "Score", 3),  # 9,5 and abc and 12
        ("warning", "Dato", 1),  # a 9 without a date
        ("info", "Kunde", 1),  # customer a answered twice in January
    ]
    assert issues[1].examples == ("‘9,5’ (row 4)", "‘abc’ (row 5)", "‘12’ (row 8)")
    assert issues[3].examples == ("a",)


def test_validate_survey_errors() -> None:
    t = survey()
    assert validate_survey(t, SurveyColumns("Nope", "Score"), scale="nps")[0].level == "error"
    assert validate_survey(t, SurveyColumns("Kunde", "Score"), scale="nps")[-1].level == "error"
    only_bad = pl.DataFrame({"Dato": [dt.date(2026, 1, 1)], "Score": [11.0]})
    assert (
        validate_survey(only_bad, SurveyColumns("Dato", "Score"), scale="nps")[-1].level == "error"
    )


def test_validate_survey_spots_the_other_scale() -> None:
    small = pl.DataFrame({"Dato": [dt.date(2026, 1, 1)] * 10, "Score": [1.0, 2, 3, 4, 5] * 2})
    issues = validate_survey(small, SurveyColumns("Dato", "Score"), scale="nps")
    assert any("CSAT (1–5)" in i.message for i in issues)
    wide = pl.DataFrame({"Dato": [dt.date(2026, 1, 1)] * 4, "Score": [9.0, 10, 8, 4]})
    issues = validate_survey(wide, SurveyColumns("Dato", "Score"), scale="csat")
    assert any("NPS (0–10)" in i.message for i in issues)


def test_nps_monthly_by_hand_with_an_empty_month() -> None:
    monthly = nps_monthly(survey(), SurveyColumns("Dato", "Score", "Kunde"))
    assert monthly.columns == [
        "period",
        "period_start",
        "n",
        "value",
        "low",
        "high",
        "promoters",
        "passives",
        "detractors",
        "reliable",
    ]
    rows = monthly.select("period", "n", "value", "promoters", "passives", "detractors").rows()
    # January: 10 and 3 (one promoter, one detractor); February: nothing; March: 8.
    assert rows == [
        ("2026-01", 2, 0.0, 1, 0, 1),
        ("2026-02", 0, None, 0, 0, 0),
        ("2026-03", 1, 0.0, 0, 1, 0),
    ]
    feb = monthly.row(1, named=True)
    assert feb["low"] is None and feb["high"] is None and feb["reliable"] is False
    assert monthly["period_start"].to_list() == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    # The same interval as nps() on January's answers.
    jan = nps([10, 3])
    assert monthly.row(0, named=True)["low"] == pytest.approx(jan.low)


def test_csat_monthly_by_hand() -> None:
    t = pl.DataFrame(
        {
            "Datum": [dt.date(2026, 1, 5)] * 4 + [dt.date(2026, 4, 1)] * 2,
            "Betyg": [5.0, 4.0, 3.0, 1.0, 5.0, 5.0],
        }
    )
    monthly = csat_monthly(t, SurveyColumns("Datum", "Betyg"))
    assert monthly.select("period", "n", "satisfied", "value").rows() == [
        ("2026-01", 4, 2, 50.0),
        ("2026-02", 0, 0, None),
        ("2026-03", 0, 0, None),
        ("2026-04", 2, 2, 100.0),
    ]
    low, high = wilson_interval(2, 4)
    assert monthly.row(0, named=True)["low"] == pytest.approx(100 * low)
    assert monthly.row(0, named=True)["high"] == pytest.approx(100 * high)


def test_monthly_with_no_usable_answers_is_empty_and_missing_columns_raise() -> None:
    only_bad = pl.DataFrame({"Dato": [dt.date(2026, 1, 1)], "Score": [11.0]})
    assert nps_monthly(only_bad, SurveyColumns("Dato", "Score")).is_empty()
    with pytest.raises(InputError, match="no column ‘Nope’"):
        nps_monthly(only_bad, SurveyColumns("Nope", "Score"))


def test_score_of_a_whole_file() -> None:
    s = score_of(survey(), SurveyColumns("Dato", "Score"), scale="nps")
    assert (s.n, s.promoters, s.passives, s.detractors) == (3, 1, 1, 1)
    table = score_table([s, csat([5, 4])])
    assert table["measure"].to_list() == ["nps", "csat"]
    assert table["satisfied"].to_list() == [None, 2]


# --- first response ------------------------------------------------------------------------------


def tickets() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Sagsnr": ["1", "2", "3", "4", "5", "6"],
            "Oprettet": [
                dt.datetime(2026, 1, 5, 9, 0),
                dt.datetime(2026, 1, 6, 10, 0),
                dt.datetime(2026, 1, 7, 12, 0),
                dt.datetime(2026, 1, 8, 8, 0),
                dt.datetime(2026, 3, 5, 9, 0),
                None,
            ],
            "Første svar": [
                dt.datetime(2026, 1, 5, 11, 0),  # 2 hours
                dt.datetime(2026, 1, 7, 10, 0),  # 24 hours
                None,  # unanswered
                dt.datetime(2026, 1, 8, 7, 0),  # an hour *before* it was created
                dt.datetime(2026, 3, 5, 9, 30),  # half an hour
                dt.datetime(2026, 3, 6, 9, 0),  # no created time
            ],
        }
    )


COLS = TicketColumns("Oprettet", "Første svar", "Sagsnr")


def test_first_response_by_hand() -> None:
    out = first_response(tickets(), COLS)
    assert out.columns == [
        "period",
        "period_start",
        "tickets",
        "answered",
        "unanswered",
        "reply_before_created",
        "mean_hours",
        "median_hours",
        "p90_hours",
    ]
    # January: four tickets; the 2 h and 24 h ones are timed.
    #   mean = (2 + 24) / 2 = 13, median = 13,
    #   p90 (linear) = 2 + 0.9 · (24 − 2) = 21.8.
    # February: none. March: one, 0.5 h.
    assert out.rows() == [
        ("2026-01", dt.date(2026, 1, 1), 4, 2, 1, 1, 13.0, 13.0, pytest.approx(21.8)),
        ("2026-02", dt.date(2026, 2, 1), 0, 0, 0, 0, None, None, None),
        ("2026-03", dt.date(2026, 3, 1), 1, 1, 0, 0, 0.5, 0.5, 0.5),
    ]
    assert (
        out["tickets"] == out["answered"] + out["unanswered"] + out["reply_before_created"]
    ).all()


def test_validate_tickets_accounts_for_every_ticket_left_out() -> None:
    issues = validate_tickets(tickets(), COLS)
    assert [(i.level, i.field, i.count) for i in issues] == [
        ("warning", "Oprettet", 1),  # no created time
        ("info", "Første svar", 1),  # unanswered
        ("warning", "Første svar", 1),  # reply before creation
    ]
    assert issues[1].examples == ("ticket 3",)
    assert "20% of all" in issues[1].message  # 1 of the 5 tickets with a created time
    assert issues[2].examples == (
        "ticket 4: created 2026-01-08 08:00, first reply 2026-01-08 07:00",
    )


def test_ticket_ids_read_as_numbers_are_shown_whole() -> None:
    t = tickets().with_columns(pl.col("Sagsnr").cast(pl.Float64))
    issues = validate_tickets(t, COLS)
    assert issues[1].examples == ("ticket 3",)


def test_first_response_reads_text_and_time_zones() -> None:
    text = pl.DataFrame(
        {
            "Created": ["2026-01-05 09:00", "05.01.2026 10:00", "2026-01-05T12:00:00Z", "soon"],
            "First reply": ["2026-01-05 09:45", "05-01-2026 13:00", "2026-01-05T12:30:00Z", None],
        }
    )
    cols = TicketColumns("Created", "First reply")
    out = first_response(text, cols)
    # 0.75 h, 3 h and 0.5 h (the Z is UTC, like the naive times): mean 4.25 / 3.
    assert out.select("tickets", "answered", "mean_hours").row(0) == (3, 3, pytest.approx(4.25 / 3))
    issues = validate_tickets(text, cols)
    assert issues[0].level == "warning" and issues[0].examples == ("row 4: ‘soon’",)

    utc = pl.DataFrame(
        {
            "Created": [dt.datetime(2026, 1, 5, 9, 0)],
            "First reply": [dt.datetime(2026, 1, 5, 12, 0)],
        }
    ).with_columns(pl.all().dt.replace_time_zone("Europe/Copenhagen"))
    assert first_response(utc, cols)["mean_hours"].item() == pytest.approx(3.0)


def test_first_response_with_dates_only_says_times_are_whole_days() -> None:
    days = pl.DataFrame(
        {
            "Oprettet": [dt.date(2026, 1, 5), dt.date(2026, 1, 5)],
            "Første svar": [dt.date(2026, 1, 5), dt.date(2026, 1, 7)],
        }
    )
    cols = TicketColumns("Oprettet", "Første svar")
    out = first_response(days, cols)
    assert out.select("mean_hours", "median_hours").row(0) == (24.0, 24.0)
    assert any("whole days" in i.message for i in validate_tickets(days, cols))


def test_first_response_errors() -> None:
    with pytest.raises(InputError, match="no column ‘Svar’"):
        first_response(tickets(), TicketColumns("Oprettet", "Svar"))
    numbers = pl.DataFrame({"Oprettet": [1.0], "Første svar": [2.0]})
    with pytest.raises(InputError, match="does not hold dates or times"):
        first_response(numbers, TicketColumns("Oprettet", "Første svar"))


def test_docstring_examples() -> None:
    failures, _ = doctest.testmod(satisfaction, optionflags=doctest.ELLIPSIS)
    assert failures == 0


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "NPS +32 ud fra 412 svar (95 %-interval +24 til +40)."),
        ("nb", "NPS +32 fra 412 svar (95 %-intervall +24 til +40)."),
        ("sv", "NPS +32 från 412 svar (95 %-intervall +24 till +40)."),
    ],
)
def test_nps_sentence_speaks_the_locale(locale: str, expected: str) -> None:
    assert nps_from_counts(220, 104, 88, locale=locale).sentence == expected


def test_csat_sentence_and_issues_in_danish() -> None:
    sentence = csat([5, 4, 4, 3, 5, 2, 4, 5, 1, 4], locale="da").sentence.replace("\u00a0", " ")
    assert (
        sentence == "CSAT 70 % ud fra 10 svar: for få til at sige meget (interval 40 % til 89 %)."
    )
    t = pl.DataFrame({"Dato": [dt.date(2026, 1, 5)] * 3, "Score": [9.0, 11.0, None]})
    issues = validate_survey(t, SurveyColumns("Dato", "Score"), scale="nps", locale="da")
    assert issues[1].text("da") == (
        "1 svar i ‘Score’ er ikke et helt tal fra 0 til 10, som NPS-svar er; udeladt."
    )
    assert issues[1].examples == ("‘11.0’ (række 2)",)
