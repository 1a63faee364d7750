"""The built-in rule-based bot: language, intent and confidence from a customer's text
in Spanish, English or Portuguese, a reply in that language, and the decision to hand
the conversation to a person (with the visual modalities that would help).

Pure: no I/O. The HTTP layer (``escalation/chat/bot_routes.py``) keeps the per-conversation
state in the store and creates the escalation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from server.platform.i18n import translate

LANGUAGES = ("es", "en", "pt")

# Words and marks that point to one language (matched on lower-case, accented text).
_LANGUAGE_MARKERS: dict[str, tuple[str, ...]] = {
    "es": (
        r"\bquiero\b",
        r"\bhola\b",
        r"\bgracias\b",
        r"\bnecesito\b",
        r"\bpuedo\b",
        r"\bpuedes\b",
        r"\balguien\b",
        r"\bmi\b",
        r"\bel\b",
        r"\bla\b",
        r"\blos\b",
        r"\bcon\b",
        r"\bpor favor\b",
        r"\bd[oó]nde\b",
        r"\bpedido\b",
        r"\benv[ií]o\b",
        r"\bpagar\b",
        r"\bno puedo\b",
        r"\bllamada\b",
        r"\bpantalla\b",
        r"\bay[uú]da\b",
        r"\bbuenos\b",
        r"\bbuenas\b",
        r"\bcu[aá]ndo\b",
        r"\bmu[eé]strame\b",
        r"\bes\b",
        r"\by\b",
        r"\bestá\b",
        r"\btarjeta\b",
        r"[ñ¿¡]",
        r"\bhablar\b",
        r"\bcompra\b",
    ),
    "en": (
        r"\bthe\b",
        r"\bi\b",
        r"\bmy\b",
        r"\byou\b",
        r"\bcan\b",
        r"\bhello\b",
        r"\bhi\b",
        r"\bplease\b",
        r"\bwant\b",
        r"\bhelp\b",
        r"\bwhere\b",
        r"\bis\b",
        r"\bto\b",
        r"\border\b",
        r"\bpay\b",
        r"\bthanks\b",
        r"\bthank\b",
        r"\bshow\b",
        r"\bme\b",
        r"\bwith\b",
        r"\bsomeone\b",
        r"\bcall\b",
        r"\bscreen\b",
        r"\bcan't\b",
        r"\bwhen\b",
        r"\bshipping\b",
        r"\bcard\b",
        r"\bspeak\b",
        r"\btalk\b",
    ),
    "pt": (
        r"\bn[aã]o\b",
        r"\bvoc[eê]\b",
        r"\bobrigad[oa]\b",
        r"\bol[aá]\b",
        r"\bquero\b",
        r"\bpreciso\b",
        r"\bconsigo\b",
        r"\bmeu\b",
        r"\bminha\b",
        r"\bcom\b",
        r"\bpor favor\b",
        r"\bonde\b",
        r"\bentrega\b",
        r"\bpagamento\b",
        r"\bfalar\b",
        r"\balgu[eé]m\b",
        r"\bchamada\b",
        r"\btela\b",
        r"\bajuda\b",
        r"\bbom dia\b",
        r"\bboa\b",
        r"\bquando\b",
        r"\bmostrar\b",
        r"\bcart[aã]o\b",
        r"\bcompra\b",
        r"\bé\b",
        r"\bo\b",
        r"\bum\b",
        r"\buma\b",
        r"[ãõç]",
        r"\bestá\b",
        r"\bme\b",
    ),
}


@dataclass(frozen=True)
class Intent:
    name: str
    patterns: tuple[str, ...]  # on accent-free lower-case text
    escalate: bool  # the bot cannot serve it: a person should
    modalities: tuple[str, ...] = ()


# Order matters: the first intent whose pattern matches wins, most specific first.
INTENTS: tuple[Intent, ...] = (
    Intent(
        "screen_share",
        (
            r"compartir (la |mi )?pantalla",
            r"share (my |the )?screen",
            r"screen ?shar",
            r"compartilhar (a |minha )?tela",
            r"ver (mi|minha) (pantalla|tela)",
        ),
        True,
        ("screen", "video"),
    ),
    Intent(
        "video_call",
        (
            r"video ?llamada",
            r"video ?call",
            r"video ?chamada",
            r"llamada de video",
            r"chamada de video",
            r"\bvideo\b",
        ),
        True,
        ("video",),
    ),
    Intent(
        "cobrowse",
        (
            r"(can|could) you show me",
            r"show me how",
            r"guide me",
            r"muestrame",
            r"me (puedes|podes|podrias) (mostrar|ensenar)",
            r"ensename",
            r"(pode|podes|poderia) me mostrar",
            r"me mostra",
            r"navegar (juntos|conmigo|comigo)",
            r"co-?brows",
            r"navegacion (conjunta|compartida)",
        ),
        True,
        ("cobrowse", "video"),
    ),
    Intent(
        "human",
        (
            r"(hablar|conversar) con (alguien|una persona|un agente|un humano|un asesor)",
            r"(talk|speak|chat) (to|with) (someone|a person|a human|an agent|somebody|a real)",
            r"(falar|conversar) com (alguem|uma pessoa|um atendente|um agente|um humano)",
            r"\bagente\b",
            r"\bhuman\b",
            r"\bhumano\b",
            r"\batendente\b",
            r"\boperador\b",
            r"real person",
            r"persona real",
            r"pessoa real",
            r"\basesor\b",
            r"representative",
            r"\bagent\b",
        ),
        True,
        ("chat", "video"),
    ),
    Intent(
        "payment_problem",
        (
            r"no (puedo|consigo|logro) pagar",
            r"(can't|cannot|can not|unable to) pay",
            r"nao (consigo|posso) (pagar|finalizar)",
            r"pago (rechazado|fallido|denegado)",
            r"payment (failed|declined|error|problem|issue)",
            r"pagamento (recusado|falhou)",
            r"tarjeta (rechazada|declinada)",
            r"card (was )?(declined|rejected)",
            r"cartao (recusado|negado)",
            r"problema (con|com) (el |o )?(pago|pagamento)",
            r"cobro (doble|duplicado)",
            r"charged twice",
            r"cobranca duplicada",
        ),
        True,
        ("cobrowse", "screen", "video"),
    ),
    Intent(
        "order_status",
        (
            r"(donde|cuando llega|estado de) (esta )?(mi )?pedido",
            r"mi pedido",
            r"where is my order",
            r"order status",
            r"my order",
            r"track(ing)? (my )?order",
            r"(onde|status do|estado do) (esta )?(o )?(meu )?pedido",
            r"meu pedido",
            r"rastre(ar|o)",
            r"seguimiento",
        ),
        False,
    ),
    Intent(
        "shipping",
        (
            r"\benvios?\b",
            r"\bshipping\b",
            r"\bdelivery\b",
            r"\bentrega\b",
            r"\bfrete\b",
            r"gastos de envio",
            r"ship to",
            r"how long .*deliver",
            r"plazo de entrega",
            r"prazo de entrega",
        ),
        False,
    ),
    Intent(
        "returns",
        (
            r"\bdevolu(cion|cao|ciones|coes)\b",
            r"\breturns?\b",
            r"\brefund\b",
            r"\breembolso\b",
            r"\bdevolver\b",
            r"\btrocar\b",
            r"\bcambio\b",
        ),
        False,
    ),
    Intent(
        "thanks",
        (r"\bgracias\b", r"\bthanks?( you)?\b", r"\bobrigad[oa]\b", r"\bvaleu\b"),
        False,
    ),
    Intent(
        "goodbye",
        (
            r"\badios\b",
            r"\bbye\b",
            r"\bgoodbye\b",
            r"\btchau\b",
            r"\bhasta luego\b",
            r"\bate logo\b",
        ),
        False,
    ),
    Intent(
        "greeting",
        (
            r"^\s*(hola|hello|hi|hey|ola|oi|buenos dias|buenas( tardes| noches)?|bom dia|"
            r"boa (tarde|noite)|good (morning|afternoon|evening))\b",
        ),
        False,
    ),
)
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Understanding:
    language: str
    intent: str
    confidence: float
    escalate: bool
    modalities: tuple[str, ...]


@dataclass(frozen=True)
class BotTurn:
    reply: str
    understanding: Understanding
    escalate: bool
    modalities: tuple[str, ...]
    reason: str | None  # why it escalates: requested, unsupported_intent, failed_answers
    failed: int  # failed answers so far, this turn included


def fold(text: str) -> str:
    """Lower case without accents, so patterns need not spell every variant."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def detect_language(text: str, default: str = "en") -> tuple[str, float]:
    """The most likely of es/en/pt and a confidence in [0, 1] from marker counts."""
    lower = text.lower()
    scores = {
        lang: sum(len(re.findall(marker, lower)) for marker in markers)
        for lang, markers in _LANGUAGE_MARKERS.items()
    }
    total = sum(scores.values())
    if total == 0:
        return default, 0.0
    best = max(LANGUAGES, key=lambda lang: (scores[lang], lang == default))
    return best, round(scores[best] / total, 2)


def understand(text: str, language: str | None = None) -> Understanding:
    detected, lang_confidence = detect_language(text, default=language or "en")
    lang = language if language in LANGUAGES else detected
    folded = fold(text)
    for intent in INTENTS:
        hits = sum(1 for p in intent.patterns if re.search(p, folded))
        if hits:
            # Several patterns agreeing, and a clear language, raise the confidence.
            confidence = min(0.99, 0.75 + 0.1 * (hits - 1) + 0.1 * lang_confidence)
            return Understanding(
                lang, intent.name, round(confidence, 2), intent.escalate, intent.modalities
            )
    return Understanding(lang, UNKNOWN, 0.2, False, ())


def respond(
    text: str,
    *,
    language: str | None = None,
    failed_before: int = 0,
    max_failures: int = 2,
) -> BotTurn:
    """Understand ``text`` and decide: answer, or hand to a person.

    Escalates on an explicit request for a person or a visual modality, on an intent
    the bot cannot serve (payment problems), or when this is the ``max_failures``-th
    message the bot could not understand.
    """
    u = understand(text, language)
    failed = failed_before + (1 if u.intent == UNKNOWN else 0)
    if u.escalate:
        reason = "unsupported_intent" if u.intent == "payment_problem" else "requested"
        key = f"bot.escalate.{u.intent}"
        return BotTurn(translate(u.language, key), u, True, u.modalities, reason, failed)
    if u.intent == UNKNOWN and failed >= max_failures:
        reply = translate(u.language, "bot.escalate.failed_answers")
        return BotTurn(reply, u, True, ("chat", "video"), "failed_answers", failed)
    return BotTurn(translate(u.language, f"bot.reply.{u.intent}"), u, False, (), None, failed)


def already_escalated_reply(language: str) -> str:
    return translate(language, "bot.reply.already_escalated")


def unavailable_reply(language: str, alternative: str | None) -> str:
    """When the rules do not allow an escalation now (closed, not for this page...)."""
    key = "bot.reply.unavailable_callback" if alternative == "callback" else "bot.reply.unavailable"
    return translate(language, key)
