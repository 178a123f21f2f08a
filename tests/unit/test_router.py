"""Routing decisions: confident answers, clarifying questions, and safety first."""

from __future__ import annotations

from nlu.parse import IntentScore, Parse
from nlu.router import decide


def parse(**scores: float) -> Parse:
    return Parse.from_ranking([IntentScore(name.replace("_DOT_", "."), score)
                               for name, score in scores.items()])


def test_confident_topic_is_answered_with_its_best_entry() -> None:
    decision = decide(parse(**{"transport.tickets__deutschlandticket": 0.7,
                               "transport.tickets__single_ticket": 0.2, "greet": 0.1}))
    assert (decision.route, decision.entry, decision.clarify) == (
        "transport.tickets", "deutschlandticket", False)
    assert round(decision.confidence, 2) == 0.9  # entries of a topic add up


def test_close_call_asks_with_two_or_three_topics() -> None:
    decision = decide(parse(**{"services.housing__renting": 0.30,
                               "services.money__social_benefits": 0.28,
                               "rights.work__minimum_wage": 0.22, "greet": 0.20}))
    assert decision.clarify
    assert decision.candidates[:2] == ("services.housing", "services.money")
    assert 2 <= len(decision.candidates) <= 3


def test_safety_route_wins_when_close() -> None:
    decision = decide(parse(**{"services.housing__emergency_shelter": 0.55,
                               "services.gbv__domestic_violence": 0.30, "greet": 0.15}))
    assert decision.route == "services.gbv"
    assert not decision.clarify


def test_safety_route_does_not_win_when_far_behind() -> None:
    decision = decide(parse(**{"transport.tickets__single_ticket": 0.90,
                               "emergency__emergency_numbers": 0.05, "greet": 0.05}))
    assert decision.route == "transport.tickets"


def test_weak_out_of_scope_becomes_a_question() -> None:
    decision = decide(parse(out_of_scope=0.28, **{"services.health__find_doctor": 0.27,
                                                  "greet": 0.25, "thanks": 0.20}))
    assert decision.clarify


def test_empty_ranking_is_out_of_scope() -> None:
    decision = decide(Parse.from_ranking([]))
    assert decision.route == "out_of_scope"


def test_danger_words_make_the_safety_route_win() -> None:
    from dataclasses import replace

    from nlu.parse import Entity

    confused = parse(**{"language.courses__free_courses": 0.16,
                        "services.gbv__domestic_violence": 0.05, "greet": 0.04})
    flagged = replace(confused, entities=(Entity("danger", "services.gbv"),))
    decision = decide(flagged)
    assert (decision.route, decision.clarify) == ("services.gbv", False)
    assert decision.entry == "domestic_violence"


def test_danger_words_do_not_override_another_safety_route() -> None:
    from dataclasses import replace

    from nlu.parse import Entity

    fire = replace(parse(**{"emergency__danger_now": 0.9, "services.gbv__domestic_violence":
                            0.05, "greet": 0.05}),
                   entities=(Entity("danger", "services.gbv"),))
    assert decide(fire).route == "emergency"


def test_danger_words_settle_an_unsure_guess_between_safety_routes() -> None:
    from dataclasses import replace

    from nlu.parse import Entity

    # "there is a fire in the building", with the model torn between topics
    unsure = replace(parse(**{"services.children__child_protection": 0.25,
                              "services.housing__emergency_shelter": 0.2,
                              "emergency__danger_now": 0.1, "greet": 0.05}),
                     entities=(Entity("danger", "emergency"),))
    decision = decide(unsure)
    assert (decision.route, decision.entry, decision.clarify) == (
        "emergency", "danger_now", False)


def test_violence_by_a_partner_is_gender_based_even_against_a_confident_guess() -> None:
    from dataclasses import replace

    from nlu.parse import Entity

    scores = parse(**{"services.children__child_protection": 0.6,
                      "services.gbv__domestic_violence": 0.3, "greet": 0.1})
    by_partner = replace(scores, entities=(Entity("partner", "partner"),
                                           Entity("danger", "services.gbv")))
    assert decide(by_partner).route == "services.gbv"
    # without a partner in the message the model's confident safety guess stands
    by_someone = replace(scores, entities=(Entity("danger", "services.gbv"),))
    assert decide(by_someone).route == "services.children"


def test_words_of_suicide_are_answered_with_the_crisis_entry_not_a_question() -> None:
    from dataclasses import replace

    from nlu.parse import Entity

    torn = replace(parse(**{"services.mental_health__crisis_support": 0.3,
                            "services.mental_health__trauma_support": 0.02,
                            "services.health__find_doctor": 0.28, "greet": 0.1}),
                   entities=(Entity("danger", "services.mental_health"),))
    decision = decide(torn)
    assert (decision.route, decision.entry, decision.clarify) == (
        "services.mental_health", "crisis_support", False)
    # a confident emergency guess stays: someone who also mentions suicide may be in danger now
    overdose = replace(parse(**{"emergency__medical_emergency": 0.8,
                                "services.mental_health__crisis_support": 0.2}),
                       entities=(Entity("danger", "services.mental_health"),))
    assert decide(overdose).route == "emergency"
