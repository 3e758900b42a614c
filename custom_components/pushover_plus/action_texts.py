"""The words of the action page, in the languages of the integration's translations.

The page is served to a phone's browser, not to Home Assistant's frontend, so
Home Assistant's translation files cannot reach it: its few strings live here,
one table per language. The language is the first of the browser's
``Accept-Language`` that has a table, else English; the link's title in the
message ("Answer", when the titles of the actions do not fit) follows Home
Assistant's own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class PageTexts:
    """The strings of the action page in one language."""

    #: The language's tag, as in the translations' file names.
    language: str
    #: The page's title without a message title, and the link's title in the
    #: message when the actions' titles do not fit.
    answer: str
    choose: str
    reply_label: str
    link: str
    done: str
    #: With ``{title}``: the title of the button pressed.
    sent: str
    your_reply: str
    close: str
    invalid_title: str
    invalid_text: str
    busy_title: str
    busy_text: str
    stale: str
    empty_reply: str


ENGLISH: Final = "en"

TEXTS: Final[dict[str, PageTexts]] = {
    "en": PageTexts(
        language="en",
        answer="Answer",
        choose="Choose what Home Assistant should do:",
        reply_label="Your answer",
        link="Link",
        done="Done",
        sent="“{title}” was sent to Home Assistant.",
        your_reply="Your answer:",
        close="You can close this page.",
        invalid_title="This link is not valid",
        invalid_text="It was used already, it has expired, or it never existed.",
        busy_title="Too many attempts",
        busy_text="Too many links that are not valid came from your address. "
        "Try again in a minute.",
        stale="This page was out of date. Please choose again.",
        empty_reply="Type your answer first.",
    ),
    "de": PageTexts(
        language="de",
        answer="Antworten",
        choose="Wähle, was Home Assistant tun soll:",
        reply_label="Deine Antwort",
        link="Link",
        done="Erledigt",
        sent="„{title}“ wurde an Home Assistant gesendet.",
        your_reply="Deine Antwort:",
        close="Du kannst diese Seite schließen.",
        invalid_title="Dieser Link ist nicht gültig",
        invalid_text="Er wurde schon benutzt, ist abgelaufen oder hat nie existiert.",
        busy_title="Zu viele Versuche",
        busy_text="Von deiner Adresse kamen zu viele ungültige Links. "
        "Versuche es in einer Minute erneut.",
        stale="Diese Seite war veraltet. Bitte wähle noch einmal.",
        empty_reply="Gib zuerst deine Antwort ein.",
    ),
    "es": PageTexts(
        language="es",
        answer="Responder",
        choose="Elige lo que debe hacer Home Assistant:",
        reply_label="Tu respuesta",
        link="Enlace",
        done="Hecho",
        sent="«{title}» se ha enviado a Home Assistant.",
        your_reply="Tu respuesta:",
        close="Puedes cerrar esta página.",
        invalid_title="Este enlace no es válido",
        invalid_text="Ya se usó, ha caducado o nunca existió.",
        busy_title="Demasiados intentos",
        busy_text="Desde tu dirección llegaron demasiados enlaces no válidos. "
        "Vuelve a intentarlo dentro de un minuto.",
        stale="Esta página estaba desactualizada. Elige de nuevo.",
        empty_reply="Escribe primero tu respuesta.",
    ),
    "fr": PageTexts(
        language="fr",
        answer="Répondre",
        choose="Choisissez ce que Home Assistant doit faire :",
        reply_label="Votre réponse",
        link="Lien",
        done="C'est fait",
        sent="« {title} » a été envoyé à Home Assistant.",
        your_reply="Votre réponse :",
        close="Vous pouvez fermer cette page.",
        invalid_title="Ce lien n'est pas valide",
        invalid_text="Il a déjà servi, il a expiré ou il n'a jamais existé.",
        busy_title="Trop de tentatives",
        busy_text="Trop de liens non valides sont venus de votre adresse. "
        "Réessayez dans une minute.",
        stale="Cette page n'était plus à jour. Choisissez à nouveau.",
        empty_reply="Saisissez d'abord votre réponse.",
    ),
    "it": PageTexts(
        language="it",
        answer="Rispondi",
        choose="Scegli che cosa deve fare Home Assistant:",
        reply_label="La tua risposta",
        link="Link",
        done="Fatto",
        sent="«{title}» è stato inviato a Home Assistant.",
        your_reply="La tua risposta:",
        close="Puoi chiudere questa pagina.",
        invalid_title="Questo link non è valido",
        invalid_text="È già stato usato, è scaduto oppure non è mai esistito.",
        busy_title="Troppi tentativi",
        busy_text="Dal tuo indirizzo sono arrivati troppi link non validi. "
        "Riprova tra un minuto.",
        stale="Questa pagina non era aggiornata. Scegli di nuovo.",
        empty_reply="Scrivi prima la tua risposta.",
    ),
    "nl": PageTexts(
        language="nl",
        answer="Antwoorden",
        choose="Kies wat Home Assistant moet doen:",
        reply_label="Je antwoord",
        link="Link",
        done="Klaar",
        sent="“{title}” is naar Home Assistant gestuurd.",
        your_reply="Je antwoord:",
        close="Je kunt deze pagina sluiten.",
        invalid_title="Deze link is niet geldig",
        invalid_text="Hij is al gebruikt, is verlopen of heeft nooit bestaan.",
        busy_title="Te veel pogingen",
        busy_text="Van je adres kwamen te veel ongeldige links. "
        "Probeer het over een minuut opnieuw.",
        stale="Deze pagina was verouderd. Kies opnieuw.",
        empty_reply="Typ eerst je antwoord.",
    ),
    "pl": PageTexts(
        language="pl",
        answer="Odpowiedz",
        choose="Wybierz, co ma zrobić Home Assistant:",
        reply_label="Twoja odpowiedź",
        link="Link",
        done="Gotowe",
        sent="„{title}” wysłano do Home Assistant.",
        your_reply="Twoja odpowiedź:",
        close="Możesz zamknąć tę stronę.",
        invalid_title="Ten link jest nieważny",
        invalid_text="Został już użyty, wygasł albo nigdy nie istniał.",
        busy_title="Zbyt wiele prób",
        busy_text="Z Twojego adresu przyszło zbyt wiele nieważnych linków. "
        "Spróbuj ponownie za minutę.",
        stale="Ta strona była nieaktualna. Wybierz jeszcze raz.",
        empty_reply="Najpierw wpisz odpowiedź.",
    ),
    "pt-BR": PageTexts(
        language="pt-BR",
        answer="Responder",
        choose="Escolha o que o Home Assistant deve fazer:",
        reply_label="Sua resposta",
        link="Link",
        done="Pronto",
        sent="“{title}” foi enviado ao Home Assistant.",
        your_reply="Sua resposta:",
        close="Você pode fechar esta página.",
        invalid_title="Este link não é válido",
        invalid_text="Ele já foi usado, expirou ou nunca existiu.",
        busy_title="Tentativas demais",
        busy_text="Chegaram links inválidos demais do seu endereço. "
        "Tente de novo em um minuto.",
        stale="Esta página estava desatualizada. Escolha de novo.",
        empty_reply="Digite sua resposta primeiro.",
    ),
    "sv": PageTexts(
        language="sv",
        answer="Svara",
        choose="Välj vad Home Assistant ska göra:",
        reply_label="Ditt svar",
        link="Länk",
        done="Klart",
        sent="”{title}” skickades till Home Assistant.",
        your_reply="Ditt svar:",
        close="Du kan stänga den här sidan.",
        invalid_title="Länken är inte giltig",
        invalid_text="Den har redan använts, har gått ut eller har aldrig funnits.",
        busy_title="För många försök",
        busy_text="För många ogiltiga länkar kom från din adress. "
        "Försök igen om en minut.",
        stale="Sidan var inaktuell. Välj igen.",
        empty_reply="Skriv ditt svar först.",
    ),
}
#: Each language by its lower-case tag and by its primary subtag ("pt": pt-BR).
_BY_TAG: Final = {tag.lower(): tag for tag in TEXTS} | {
    tag.split("-")[0].lower(): tag for tag in TEXTS
}


def texts_for(language: str | None) -> PageTexts:
    """Return the texts for a Home Assistant language setting (else English)."""
    return TEXTS[_match(language or "") or ENGLISH]


def negotiate(accept_language: str | None) -> PageTexts:
    """Return the browser's preferred language that has texts (else English)."""
    wanted: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag))
    for _, _, tag in sorted(wanted):
        if (found := _match(tag)) is not None:
            return TEXTS[found]
    return TEXTS[ENGLISH]


def _match(tag: str) -> str | None:
    tag = tag.strip().lower().replace("_", "-")
    return _BY_TAG.get(tag) or _BY_TAG.get(tag.split("-")[0])
