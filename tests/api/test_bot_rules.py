"""The rule-based bot in Spanish, English and Portuguese (pure, no server)."""

from __future__ import annotations

import pytest

from escalation.chat.bot import detect_language, respond, understand


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hola, quiero saber dónde está mi pedido", "es"),
        ("¿Me puedes ayudar con el envío?", "es"),
        ("Hello, where is my order please?", "en"),
        ("I can't pay with my card", "en"),
        ("Olá, não consigo pagar com o cartão", "pt"),
        ("Quero falar com alguém, por favor", "pt"),
    ],
)
def test_language_is_detected_from_the_text(text: str, language: str) -> None:
    assert detect_language(text)[0] == language


@pytest.mark.parametrize(
    ("text", "intent", "modalities"),
    [
        ("quiero hablar con alguien", "human", ("chat", "video")),
        ("¿podemos hacer una videollamada?", "video_call", ("video",)),
        ("necesito compartir pantalla", "screen_share", ("screen", "video")),
        ("muéstrame cómo aplicar el cupón", "cobrowse", ("cobrowse", "video")),
        ("can you show me where the coupon goes?", "cobrowse", ("cobrowse", "video")),
        ("I want to talk to a person", "human", ("chat", "video")),
        ("could we do a video call?", "video_call", ("video",)),
        ("não consigo pagar", "payment_problem", ("cobrowse", "screen", "video")),
        ("quero falar com uma pessoa", "human", ("chat", "video")),
        ("posso compartilhar minha tela?", "screen_share", ("screen", "video")),
    ],
)
def test_requests_for_a_person_or_visual_help_escalate(
    text: str, intent: str, modalities: tuple[str, ...]
) -> None:
    turn = respond(text)
    assert turn.understanding.intent == intent
    assert turn.escalate
    assert turn.modalities == modalities
    assert turn.understanding.confidence >= 0.75


@pytest.mark.parametrize(
    ("text", "intent", "reply_start"),
    [
        ("hola", "greeting", "¡Hola!"),
        ("¿dónde está mi pedido?", "order_status", "Puedes seguir tu pedido"),
        ("¿cuánto tarda el envío?", "shipping", "El envío estándar"),
        ("Hello there", "greeting", "Hello!"),
        ("where is my order?", "order_status", "You can follow your order"),
        ("how much is shipping to Lisbon?", "shipping", "Standard shipping"),
        ("Olá, bom dia", "greeting", "Olá!"),
        ("onde está o meu pedido?", "order_status", "Você pode acompanhar"),
        ("qual o prazo de entrega?", "shipping", "A entrega padrão"),
        ("muito obrigada", "thanks", "De nada!"),
    ],
)
def test_served_intents_are_answered_in_the_customers_language(
    text: str, intent: str, reply_start: str
) -> None:
    turn = respond(text)
    assert turn.understanding.intent == intent
    assert not turn.escalate
    assert turn.reply.startswith(reply_start)


def test_payment_problems_escalate_as_an_intent_the_bot_cannot_serve() -> None:
    turn = respond("mi tarjeta rechazada, no puedo pagar")
    assert (turn.escalate, turn.reason, turn.understanding.language) == (
        True,
        "unsupported_intent",
        "es",
    )


def test_explicit_requests_say_so_in_the_reason() -> None:
    assert respond("I want to speak to an agent").reason == "requested"


def test_bot_escalates_after_the_configured_number_of_failed_answers() -> None:
    first = respond("blorp zzz", max_failures=2)
    assert not first.escalate and first.failed == 1
    assert first.understanding.intent == "unknown"
    second = respond("qwerty", failed_before=first.failed, max_failures=2)
    assert second.escalate and second.reason == "failed_answers"
    assert second.modalities == ("chat", "video")


def test_failed_answer_limit_is_configurable() -> None:
    assert not respond("zzz", failed_before=2, max_failures=4).escalate
    assert respond("zzz", failed_before=3, max_failures=4).escalate


def test_understood_messages_do_not_count_as_failures() -> None:
    assert respond("hola", failed_before=1, max_failures=2).failed == 1


def test_a_language_hint_wins_over_detection() -> None:
    turn = respond("video", language="pt")
    assert turn.understanding.language == "pt"
    assert turn.reply.startswith("Claro, vou conectar")


def test_unknown_intent_has_low_confidence() -> None:
    assert understand("xyzzy").confidence < 0.5
