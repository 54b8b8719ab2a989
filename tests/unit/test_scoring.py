"""The multilingual complaint scorer: cues, negation, sarcasm, priority, categories, brand knobs.

Every example here is written by us (no dataset text).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from functions.core.brands import BrandConfigError, load_brands
from functions.core.lang import detect_language, language_code
from functions.core.mention import Author, Kind, Mention, Metrics
from functions.core.score import Priority, Score, ScoringRules
from functions.core.scoring import score, sentiment, sentiment_label

RULES = ScoringRules()


def mention(
    text: str, followers: int | None = None, metrics: Metrics | None = None, lang: str | None = None
) -> Mention:
    return Mention(
        network="generic",
        external_id="m1",
        kind=Kind.POST,
        brand="acme",
        author=Author(id="a1", followers=followers),
        text=text,
        url=None,
        created_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        metrics=metrics or Metrics(),
        lang=lang,
    )


def run(text: str, rules: ScoringRules = RULES, **kwargs: object) -> Score:
    return score(mention(text, **kwargs), rules)  # type: ignore[arg-type]


# --- language --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("where is my order?", "en"),
        ("Заказ так и не пришёл", "ru"),
        ("siparişim gelmedi", "tr"),
        ("siparis hala gelmedi ve kimse cevap vermiyor, bu ne biçim hizmet", "tr"),
        ("kargo çok geç geldi", "tr"),
        ("Die Lieferung ist nicht angekommen und ich bin sauer", "de"),
        ("Замовлення ще не прийшло, і ніхто не відповідає", "uk"),
        ("😡😡😡", "und"),
        ("12345 !!!", "und"),
        ("https://t.co/x Сбербанк снизил ставки по вкладам", "ru"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_given_language_is_respected() -> None:
    assert run("hello", lang="fr").lang == "fr"


# Every form a source sends (issue 15), with the code the scorer gets.
LANGUAGE_TAGS = [
    # Google Play `reviewerLanguage`: the device's Java locale, real values seen in answers
    ("googleplay", "en_US", "en"), ("googleplay", "en_GB", "en"), ("googleplay", "id_ID", "id"),
    ("googleplay", "en_ID", "en"), ("googleplay", "tr_TR", "tr"), ("googleplay", "ru_RU", "ru"),
    ("googleplay", "uk_UA", "uk"), ("googleplay", "in_ID", "id"), ("googleplay", "iw_IL", "he"),
    ("googleplay", "pt_BR", "pt"), ("googleplay", "zh_TW", "zh"), ("googleplay", "sr_Latn_RS", "sr"),
    # Bluesky `langs[]`, Mastodon `language`: BCP 47
    ("bluesky", "en", "en"), ("bluesky", "pt-BR", "pt"), ("bluesky", "zh-Hant-TW", "zh"), ("bluesky", "ja", "ja"),
    ("mastodon", "de", "de"), ("mastodon", "zh-TW", "zh"), ("mastodon", None, None),
    # X `lang`: ISO 639-1, legacy `in`/`iw`, and markers for no language
    ("x", "tr", "tr"), ("x", "in", "id"), ("x", "iw", "he"), ("x", "und", None), ("x", "qme", None),
    ("x", "qht", None), ("x", "zxx", None),
    # RSS `<language>` / Atom `xml:lang`, generic webhooks: anything people write
    ("rss", "en-us", "en"), ("rss", "EN-GB", "en"), ("rss", "ru", "ru"), ("rss", "eng", "en"), ("rss", "ger", "de"),
    ("rss", " fr-FR ", "fr"), ("rss", "en_US.UTF-8", "en"), ("rss", "english", None), ("rss", "", None),
    ("generic", "e", None), ("generic", "mul", None), ("generic", "123", None), ("generic", 7, None),
]  # fmt: skip


@pytest.mark.parametrize(("source", "tag", "code"), LANGUAGE_TAGS)
def test_every_sources_language_tag_becomes_the_scorers_code(source: str, tag: object, code: str | None) -> None:
    assert language_code(tag) == code
    assert mention("x", lang=tag).lang == code  # type: ignore[arg-type]


def test_every_code_the_detector_names_is_kept_as_it_is() -> None:
    from functions.core.lang import _FUNCTION_WORDS, _SCRIPTS

    codes = {"en", "ru", "uk", "tr", *_FUNCTION_WORDS, *(name for name, _, _ in _SCRIPTS)}
    assert {language_code(code) for code in codes} == codes
    assert language_code("und") is None  # the detector's "nothing to go on" is no language


def test_a_google_play_locale_no_longer_hides_an_english_complaint() -> None:
    """`en_US` found no language pack, so "...Terrible..." scored as no complaint."""
    text = "The alarm times out after 20 minutes when I don't touch it. Terrible default setting"
    assert run(text, lang="en_US").complaint and run(text, lang="en_US").lang == "en"
    stored = mention(text, lang="en").to_dict() | {"lang": "en_US"}  # stored before the fix: read back, fixed
    assert Mention.from_dict(stored).lang == "en"


# --- English cues ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("@shop my parcel never arrived", "problem:not_arrived"),
        ("The blender arrived broken", "problem:broken"),
        ("You charged me twice for one pizza", "problem:charged"),
        ("Can't log in to my account since yesterday", "problem:access"),
        ("Been on hold for an hour, nobody answers", "problem:no_response"),
        ("My flight got cancelled and I'm stuck at the gate", "problem:cancelled"),
        ("Still waiting for my package", "wait:still"),
        ("I have been waiting for 3 weeks", "wait:duration"),
        ("Late again. Every single time.", "wait:again"),
        ("I want a refund for this", "request:refund"),
        ("Where is my order?", "question:where"),
        ("Why is my order taking so long?", "question:why"),
        ("Never ordering from you again", "threat:leave"),
        ("I will report you to the BBB", "threat:report"),
        ("The courier was so rude to my mother", "problem:staff"),
    ],
)
def test_english_cues_fire_and_make_a_complaint(text: str, reason: str) -> None:
    result = run(text)
    assert reason in result.reasons
    assert result.complaint, result
    assert result.sentiment < 0, "a stated problem is negative even without negative words"
    assert result.lang == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Great pizza, thank you!",
        "Love the new menu, ordering again tonight",
        "Do you deliver to Brooklyn?",
        "What time do you open on Sundays?",
        "not bad at all, actually pretty good",
        "Thanks for the quick refund, all sorted now",
        "Nothing is broken, the box was just dented a bit but the phone is perfect",
    ],
)
def test_english_non_complaints(text: str) -> None:
    assert not run(text).complaint


def test_not_bad_is_positive_and_bad_is_negative() -> None:
    assert sentiment("not bad", "en") > 0
    assert sentiment("bad", "en") < 0
    assert not run("not bad").complaint


def test_negated_problem_word_does_not_fire() -> None:
    assert "problem:broken" not in run("The package was not damaged").reasons
    assert "problem:broken" in run("The package was damaged").reasons


def test_intensifier_makes_it_more_negative_in_english() -> None:
    assert sentiment("very bad service", "en") < sentiment("bad service", "en") < 0


# --- sarcasm -------------------------------------------------------------------------------------


def test_praise_next_to_a_problem_reads_as_sarcasm() -> None:
    plain = run("Great job, thanks a lot")
    ironic = run("Great job losing my bag again, thanks a lot")
    assert not plain.complaint and plain.sentiment > 0
    assert ironic.complaint and "sarcasm:marker" in ironic.reasons and ironic.sentiment < 0


def test_explicit_irony_markers() -> None:
    for text in ("Thanks for nothing", "Yeah right, 'on time'", "Best service in town /s", "Спасибо за ничего"):
        result = run(text)
        assert "sarcasm:marker" in result.reasons, text
        assert result.sentiment < 0


# --- Russian -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Заказ не пришёл уже неделю", "problem:not_arrived"),
        ("Приложение опять не работает", "problem:broken"),
        ("Списали деньги дважды за одну покупку", "problem:charged"),
        ("Не могу войти в личный кабинет", "problem:access"),
        ("Никто не отвечает на горячей линии", "problem:no_response"),
        ("Жду доставку до сих пор", "wait:still"),
        ("Жду уже три дня", "wait:duration"),
        ("Верните деньги за отменённый заказ", "request:refund"),
        ("Где мой заказ?", "question:where"),
        ("Ухожу к другому оператору, надоело", "threat:leave"),
        ("Напишу жалобу в Роспотребнадзор", "threat:report"),
        ("Оператор нахамил мне по телефону", "problem:staff"),
    ],
)
def test_russian_cues(text: str, reason: str) -> None:
    result = run(text)
    assert result.lang == "ru"
    assert reason in result.reasons
    assert result.complaint, result


def test_russian_sentiment_negation_and_intensifiers() -> None:
    assert sentiment("плохо", "ru") < 0
    assert sentiment("не плохо", "ru") > 0
    assert sentiment("хорошо", "ru") > 0
    assert sentiment("не хорошо", "ru") < 0
    assert sentiment("очень плохо", "ru") < sentiment("плохо", "ru")
    assert sentiment("Ужасный сервис", "ru") < -0.5
    assert not run("Не плохо, спасибо").complaint
    assert not run("Отличный банк, всем рекомендую").complaint


# --- Turkish -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Siparişim hâlâ gelmedi", "problem:not_arrived"),
        ("Ürün bozuk geldi", "problem:broken"),
        ("Kartımdan iki kez çekildi", "problem:charged"),
        ("Uygulamaya giriş yapamıyorum", "problem:access"),
        ("Müşteri hizmetleri cevap vermiyor", "problem:no_response"),
        ("Üç gündür bekliyorum", "wait:duration"),
        ("Paramı iade edin", "request:refund"),
        ("Kargom nerede?", "question:where"),
        ("Bir daha asla sipariş vermem", "threat:leave"),
        ("Tüketici hakem heyetine şikayet edeceğim", "threat:report"),
    ],
)
def test_turkish_cues(text: str, reason: str) -> None:
    result = run(text)
    assert result.lang == "tr"
    assert reason in result.reasons
    assert result.complaint, result


def test_turkish_negation_by_word_and_by_suffix() -> None:
    assert sentiment("kötü", "tr") < 0
    assert sentiment("fena", "tr") < 0 < sentiment("fena değil", "tr")
    assert sentiment("kötü değil", "tr") > 0
    assert sentiment("güzel", "tr") > 0
    assert sentiment("güzel değil", "tr") < 0
    assert sentiment("beğendim", "tr") > 0
    assert sentiment("beğenmedim", "tr") < 0
    assert sentiment("başarısız", "tr") < 0
    assert sentiment("çok kötü", "tr") < sentiment("kötü", "tr")
    assert sentiment("cok kotu", "tr") == sentiment("çok kötü", "tr"), "typed without diacritics"
    assert not run("fena değil, teşekkürler").complaint


# --- quiet complaints: no angry word, still a complaint ------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        # a problem told flatly, then a plea for help
        ("en", "The app logs me out every time I open it. Help!", "request:help"),
        ("ru", "Интернет не открывает страницы со вчерашнего дня. Помогите!", "request:help"),
        ("ru", "Приложение выкидывает при входе. Подскажите, что делать?", "request:help"),
        ("tr", "İnternetim iki gündür çekmiyor, yardım edin!", "request:help"),
        ("en", "My card reader stopped pairing after the update, any advice?", "request:advice"),
        ("tr", "Uygulama açılmıyor, ne yapmalıyım?", "request:advice"),
        # status questions about one's own payment, order, refund, delivery or service
        ("en", "Did you get my payment? What about shipping?", "question:own_status"),
        ("en", "When will the service be back?", "question:own_status"),
        ("ru", "Вы получили мой платёж? А что с доставкой?", "question:own_status"),
        ("ru", "Когда появится интернет в нашем доме?", "question:own_status"),
        ("tr", "Ödemem ulaştı mı? Kargom ne zaman gelecek?", "question:own_status"),
        ("tr", "İadem ne zaman yatırılacak?", "question:own_status"),
        # asked again and again, ignored messages
        ("en", "I've asked you 5 times, check your DMs.", "wait:asked"),
        ("en", "Called support three times already and nothing changes", "wait:asked"),
        ("ru", "Пишу вам уже пятый раз, проверьте личку.", "wait:asked"),
        ("tr", "5 kez aradım, dm'den yazdım, mesajlarıma bakın.", "wait:asked"),
        # harm stated as plain fact: a foreign object in food, an injury
        ("en", "I found a piece of glass in my salad.", "problem:foreign_object"),
        ("ru", "В салате был кусок стекла.", "problem:foreign_object"),
        ("tr", "Yemeğin içinden cam parçası çıktı.", "problem:foreign_object"),
        ("en", "I chipped my tooth on your granola bar.", "problem:harm"),
        ("en", "My daughter was burned by the coffee lid.", "problem:harm"),
        ("ru", "Порезал губу о край банки.", "problem:harm"),
        ("tr", "Çorbayı içerken dilimi yaktım, çok sıcaktı.", "problem:harm"),
    ],
)
def test_quiet_complaints_fire_their_cue(lang: str, text: str, reason: str) -> None:
    result = run(text)
    assert result.lang == lang
    assert reason in result.reasons, result.reasons
    assert result.complaint, result


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Can you help me plan a trip? Any suggestions?", "request:help"),
        ("What should I do for my birthday?", "request:help"),
        ("We have been to your shop many times, love it!", "wait:asked"),
        ("When will you be back in Austin? Loved the show!", ""),
        ("I found my glasses in the car, phew", "problem:foreign_object"),
        ("I help people every day!", "request:help"),
        ("Thanks again for your help!", "wait:again"),
        ("Any delays to Denver this evening?", "problem:cancelled"),
        ("Will my flight to Boston be cancelled tomorrow?", "problem:cancelled"),
        ("Is the 9 am train on time or cancelled?", "problem:cancelled"),
        ("Подскажите, что почитать на выходных?", "request:help"),
        ("Когда придёт весна?", "question:own_status"),
        ("Я три раза пересматривал этот фильм.", "wait:asked"),
        ("Порезал хлеб новым ножом, отличный нож.", "problem:harm"),
        ("Стеклянная бутылка из-под сока стоит на полке.", "problem:foreign_object"),
        ("Tatilde ne yapmalıyım sizce?", "request:help"),
        ("Bu filmi 3 kez izledim, bayıldım.", "wait:asked"),
        ("Pizzanın üstünde taş fırın lezzeti vardı, harika.", "problem:foreign_object"),
        ("Arkadaşlar yardım edin, en güzel kafe hangisi?", ""),
    ],
)
def test_quiet_complaint_look_alikes_are_not_complaints(text: str, reason: str) -> None:
    result = run(text)
    assert not result.complaint, result
    if reason:
        assert reason not in result.reasons, result.reasons


def test_weak_cues_add_to_a_stated_problem_but_are_not_enough_alone() -> None:
    """ "any advice?" and "check your DMs" are no complaint by themselves; after a problem they add to it."""
    for text, reason in (
        ("Check your DMs, we sent you a gift code!", "wait:dm"),
        ("Проверьте почту, там подарок!", "wait:dm"),
        ("Mesajlarıma bakın, size bir sürprizim var!", "wait:dm"),
        ("Tatilde ne yapmalıyım sizce?", "request:advice"),
    ):
        result = run(text)
        assert reason in result.reasons and not result.complaint, (text, result)
    alone = run("I've asked you 5 times.").complaint_probability
    assert run("I've asked you 5 times, check your DMs.").complaint_probability > alone


@pytest.mark.parametrize(
    ("lang", "unit"),
    [
        ("en", "found a piece of glass in my called you many times when will my any advice "),
        ("ru", "пишу вам уже раз кусок стекла в салате когда придет мой подскажите, что "),
        ("tr", "yemek içinden cam kez aradım dm mesaj ödeme ulaştı kargom yardım "),
    ],
)
def test_the_new_cues_stay_linear_on_long_near_misses(lang: str, unit: str) -> None:
    import time

    text = unit * (200_000 // len(unit))
    item = Mention("generic", "long", Kind.POST, "acme", Author("a"), text, lang, datetime.now(UTC))
    score(Mention("generic", "w", Kind.POST, "acme", Author("a"), "warm up", lang, datetime.now(UTC)), RULES)
    start = time.process_time()
    score(item, RULES)
    assert time.process_time() - start < 3.0


# --- other languages -------------------------------------------------------------------------------


def test_other_languages_still_get_obvious_cues() -> None:
    angry = run("😡😡 1/10")
    assert angry.lang == "und" and angry.complaint
    assert {"rating:low"} <= set(angry.reasons)
    assert run("👍😍").sentiment > 0 and not run("👍😍").complaint


# --- priority ------------------------------------------------------------------------------------


def test_severity_in_each_language_makes_a_complaint_urgent() -> None:
    for text, kind in [
        ("Got food poisoning from your burger, never again", "health"),
        ("Your charger caught fire, this is dangerous", "safety"),
        ("My account was hacked and you leaked my data, I want answers", "data"),
        ("После вашей шаурмы отравился, верните деньги", "health"),
        ("Мошенники! Списали деньги без моего согласия", "fraud"),
        ("Yemekten zehirlendim, paramı iade edin", "health"),
        ("Dolandırıcılar! Param hala iade edilmedi", "fraud"),
    ]:
        result = run(text)
        assert result.complaint, text
        assert f"severity:{kind}" in result.reasons, text
        assert result.priority is Priority.URGENT, text


def test_a_severity_term_alone_is_enough_for_a_complaint() -> None:
    """No stated problem word, no negative vocabulary: the harm itself is the complaint."""
    for text in ("Your pizza gave my kids food poisoning, I am calling a lawyer", "Отравился вашей шаурмой"):
        result = run(text)
        assert result.complaint and result.priority is Priority.URGENT, text
    assert not run("Read an interesting news story about fraud in banking today").complaint


def test_severity_can_be_switched_off_per_brand() -> None:
    rules = ScoringRules(urgent_on_severity=False)
    assert run("Got food poisoning from your burger, never again", rules).priority is not Priority.URGENT


def test_reach_and_engagement_raise_priority() -> None:
    text = "my parcel never arrived"
    base = run(text)
    reach = run(text, followers=25_000)
    viral = run(text, metrics=Metrics(likes=80, replies=20, shares=30))
    both = run(text, followers=25_000, metrics=Metrics(likes=80, replies=20, shares=30))
    assert base.priority is Priority.NORMAL
    assert reach.priority is Priority.HIGH and "reach:25000" in reach.reasons
    assert viral.priority is Priority.HIGH and "engagement:210" in viral.reasons
    assert both.priority is Priority.URGENT


def test_reach_alone_does_not_make_praise_a_priority() -> None:
    result = run("Lovely pizza as always", followers=1_000_000)
    assert not result.complaint and result.priority is Priority.LOW


def test_strong_and_negative_complaint_is_high() -> None:
    result = run("Still no refund after 3 weeks, worst service ever, I will report you to the regulator")
    assert result.complaint_probability >= RULES.strong_complaint
    assert result.priority is Priority.HIGH


# --- categories ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("My order never arrived", "delivery"),
        ("You charged me twice, I want a refund", "billing"),
        ("The screen arrived cracked and it does not work", "product"),
        ("The cashier was rude and yelled at me", "service"),
        ("I can't log in, my account is locked", "account"),
        ("Заказ не привезли, курьер не отвечает", "delivery"),
        ("Списали деньги дважды", "billing"),
        ("Hesabım bloke edildi, giriş yapamıyorum", "account"),
        ("Ürün bozuk geldi", "product"),
        ("Terrible, just terrible. Awful experience", "other"),
    ],
)
def test_categories(text: str, category: str) -> None:
    result = run(text)
    assert result.complaint, text
    assert result.category == category


def test_non_complaint_category_is_other() -> None:
    assert run("thanks for the fast delivery").category == "other"


# --- brand knobs ---------------------------------------------------------------------------------


def test_threshold_per_brand() -> None:
    text = "my delivery was late"
    probability = run(text).complaint_probability
    assert run(text, ScoringRules(complaint_threshold=max(0.01, probability - 0.05))).complaint
    assert not run(text, ScoringRules(complaint_threshold=min(1.0, probability + 0.05))).complaint


def test_brand_terms_count_as_complaints_and_severity() -> None:
    pizza = ScoringRules(extra_complaint_terms=("soggy crust",), extra_severity_terms=("glass in",))
    assert not run("soggy crust today").complaint
    result = run("soggy crust today", pizza)
    assert result.complaint and "term:soggy crust" in result.reasons
    urgent = run("found glass in my pizza, soggy crust too", pizza)
    assert "severity:custom:glass in" in urgent.reasons and urgent.priority is Priority.URGENT


def test_rules_from_dict_accept_new_knobs_and_validate_ranges() -> None:
    rules = ScoringRules.from_dict(
        {"complaint_threshold": 0.6, "high_engagement": 40, "extra_complaint_terms": ["Card Blocked "]}
    )
    assert rules.extra_complaint_terms == ("card blocked",) and rules.high_engagement == 40
    for bad in (
        {"high_engagement": 0},
        {"strong_complaint": 1.5},
        {"neutral_band": -0.1},
        {"high_reach_followers": "many"},
        {"extra_complaint_terms": "refund"},
        {"extra_severity_terms": [""]},
        {"urgent_on_severity": "yes"},
        {"complaint_threshold": 0},
    ):
        with pytest.raises(ValueError):
            ScoringRules.from_dict(bad)


def test_brand_file_rejects_bad_knobs() -> None:
    config = '{"brands": [{"slug": "a", "name": "A", "networks": {}, "helpdesk": {"vendor": "builtin"}, %s}]}'
    with pytest.raises(BrandConfigError, match="high_engagement"):
        load_brands(config % '"scoring": {"high_engagement": -3}')


# --- contract ------------------------------------------------------------------------------------

SAMPLES = (
    "@shop my parcel never arrived",
    "Great pizza, thank you!",
    "Заказ не пришёл, верните деньги",
    "Siparişim hâlâ gelmedi",
    "😡😡 1/10",
    "Where is my order?",
)


def test_deterministic_and_serialisable() -> None:
    for text in SAMPLES:
        first = run(text)
        assert run(text) == first
        assert Score.from_dict(first.to_dict()) == first


def test_every_complaint_has_reasons_and_values_are_in_range() -> None:
    for text in SAMPLES:
        result = run(text)
        assert -1.0 <= result.sentiment <= 1.0
        assert 0.0 <= result.complaint_probability <= 1.0
        assert result.category in {"delivery", "billing", "product", "service", "account", "other"}
        if result.complaint:
            assert result.reasons, text


def test_sentiment_label() -> None:
    assert sentiment_label(run("Great pizza, thank you!"), 0.15) == "positive"
    assert sentiment_label(run("Where is my order?"), 0.15) == "negative"
    assert sentiment_label(run("Do you deliver on Sundays?"), 0.15) == "neutral"


def test_scoring_english_does_not_need_textblob_until_first_english_post() -> None:
    import subprocess
    import sys

    code = (
        "import sys, functions.core.scoring as s\n"
        "assert 'textblob' not in sys.modules\n"
        "from functions.core.score import ScoringRules\n"
        "from tests.unit.test_scoring import mention\n"
        "s.score(mention('Заказ не пришёл'), ScoringRules())\n"
        "assert 'textblob' not in sys.modules\n"
        "s.score(mention('my order never arrived'), ScoringRules())\n"
        "assert 'textblob' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- review stars ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Doesn't sync anymore since the update.", "Meh.", "Не работает после обновления"])
def test_a_one_or_two_star_review_leans_to_complaint(text: str) -> None:
    plain, low = run(text), run(text, metrics=Metrics(rating=1))
    assert low.complaint_probability > plain.complaint_probability
    assert "rating:1-of-5" in low.reasons and "rating:1-of-5" not in plain.reasons


def test_stars_and_a_written_rating_count_once_and_good_stars_add_nothing() -> None:
    written = run("1 star, the app crashes", metrics=Metrics(rating=1))
    assert {"rating:low", "rating:1-of-5"} <= set(written.reasons)
    alone = run("1 star, the app crashes").complaint_probability
    logit = math.log(alone / (1 - alone))
    counted_twice = 1 / (1 + math.exp(-(logit + 1.6)))
    assert alone < written.complaint_probability < counted_twice  # same group: the second one only in part
    assert run("Love it", metrics=Metrics(rating=5)) == run("Love it")
    assert run("Meh.", metrics=Metrics(rating=3)) == run("Meh.")


@pytest.mark.parametrize("letter", ["a", "ж", "ş"])
def test_scoring_is_linear_in_the_length_of_one_long_word(letter: str) -> None:
    """A longest-prefix stem lookup over every prefix of a 500 KB word took ~30-50 s (quadratic)."""
    import time

    def cpu(size: int) -> float:
        text = letter * size
        mention = Mention("generic", f"s:{size}", Kind.POST, "acme", Author("a"), text, None, datetime.now(UTC))
        start = time.process_time()
        score(mention, ScoringRules())
        return time.process_time() - start

    cpu(10)  # language packs and TextBlob loaded outside the measurement
    assert cpu(500_000) < 3.0
