"""How incident text becomes comparable: words, stems, transliteration, stop words.

Customers write the same fault in Russian, in English, in Russian typed on a Latin keyboard
("vpn ne podklyuchaetsya") and with typos. Every Latin word is therefore read twice: as English
(its English stem) and as transliterated Russian (the Russian stem of its Cyrillic spelling), so
"podklyuchaetsya" meets "подключается" and "printer" meets "принтер". Character n-grams over the
Cyrillic spelling (see `engine`) absorb the typos that stems miss.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from incidesk.incidents.search import stem_words

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")

# Longest spellings first: "shch" before "sh" before "s". Endings ("-tsya", "-iy") before the
# letters they are made of.
_TRANSLIT = [
    ("shch", "щ"),
    ("tsya", "тся"),
    ("tsia", "ция"),
    ("sch", "щ"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("jo", "ё"),
    ("ju", "ю"),
    ("ja", "я"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("iy", "ий"),
    ("yy", "ый"),
    ("ey", "ей"),
    ("ay", "ай"),
    ("oy", "ой"),
    ("uy", "уй"),
    ("ph", "ф"),
    ("x", "кс"),
    ("a", "а"),
    ("b", "б"),
    ("c", "к"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "и"),
    ("j", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("y", "ы"),
    ("z", "з"),
]
_TRANSLIT_RE = re.compile("|".join(re.escape(latin) for latin, _ in _TRANSLIT))
_TRANSLIT_MAP = dict(_TRANSLIT)

# Words that say nothing about the fault. Stems, so every form of them is dropped.
_STOP_TEXT = """
и в во не нет на с со по к ко у о об от до из за для при без над под что как так это
этот эта эти тот та те он она оно они мы вы я ты его ее их мой моя наш ваш свой уже еще
же ли бы то или а но да ни вот тоже очень все всё весь сам сами есть был была было были
быть будет может можно нужно надо просьба прошу пожалуйста помогите здравствуйте добрый
день утро спасибо снова опять сегодня вчера теперь сейчас там тут где когда почему какой
the a an and or not no to of in on at for with from by is are was were be been it its this
that these those i we you he she they my our your me us please help hello hi thanks again
today now still since has have had do does did can cannot can't cant but if so as when
работает работать работают перестал перестала перестали могу может мочь нужен нужна need
working work works does doesn't not any some all my
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())

# Words that name the same thing on a service desk, first word of a line the canonical one:
# English and Russian names of a device or symptom, slang ("комп", "вайфай"), near-synonyms
# ("тормозит", "медленно"). Without them, "Printer is not printing" and "Принтер не печатает"
# share one word; with them, three. Kept to desk vocabulary, where the sense is unambiguous.
_GLOSSARY = """
принтер printer printers мфу
печатать печатает печать печатают print printing prints печатет
бумага paper бумагу
замятие jam jammed зажевал застряла застряло
картридж cartridge toner тонер
бледно faded бледный
сканер scanner сканирует сканирование scan scans scanning сканировать отсканированные
папка folder папку папке папки directory
сетевой network сетевую сетевая сетевые shared общая общую общий
письмо email emails письма письмо mail mails letters почта почту почты почтовый mailbox ящик
отправлять send sending sent отправляет отправляется уходят уходит
получать receive receiving received приходят приходит поступает доходит получает
исходящие outbox исходящих
входящие inbox входящих входящая
медленно slow slowly тормозит тормоза медленная медленнее долго long ages
зависает freezes freeze hangs hung зависло завис зависла висит висят stuck
вылетает crash crashes crashed падает закрывается
пароль password passwords пароля паролем
забыл forgot forgotten помню
сбросить reset сбросьте сброс
истёк expired expire истек просрочен закончился
заблокирована locked blocked заблокировали блокируется lockout
учётная account accounts учётку учетка учётка учетную учётную учетной логин login
войти log logon sign вход входа авторизация authentication
компьютер computer pc пк комп компьютера системный
включается turn turns boot включить
загружается loading загрузке загрузка boots
экран screen экрана
синий blue bsod
монитор monitor display дисплей
сигнал signal сигнала
клавиатура keyboard клавиатуру
мышь mouse мышка мышки курсор cursor
телефон phone телефона звонит call calls
гудок tone гудка
сотрудник employee сотрудника работник работника пользователь user starter
новый new новому новая
создать create создайте заведите оформить
уволился left leaver уволенного увольняется увольнение
отключить disable отключите закрыть
установить install установите установка installing устанавливается
обновление update updates обновить обновите обновления релиз release обновлений
лицензия license licence лицензии лицензий
камера camera webcam веб-камеру камеру видео video
звук sound audio слышат слышно hear микрофон microphone
совещание meeting созвон созвонах звонка совещаниях calls
переговорная meeting переговорной переговорке
проектор projector проектору
ноутбук laptop ноутбука notebook
заряжается charging charge заряд разряжается аккумулятор battery батарея
интернет internet интернета
сайт site website сайта
недоступен unavailable down недоступна
диск disk drive диска диске
место space места свободного
переполнен full заполнен исчерпана превышен
квота quota
доступ access доступа доступы права rights permission
сертификат certificate сертификата сертификат
подпись signature подписи эцп
вирус virus malware антивирус угроза threat заражённый
подозрительное suspicious фишинговое phishing странное
ссылка link ссылкой
резервное backup бэкап копирования копия копии
восстановить restore восстановите вернуть
удалил deleted удалённую удаленный
время time clock часы время
браузер browser chrome хром
вкладки tabs
отчёт report отчёт отчета отчёте
неправильно wrong неверные неправильные неверно incorrect
цифры totals суммы numbers
пропуск badge карта пропуск card
турникет turnstile проходной входе
касса cash register кассовый ккт фискальный
чек receipt receipts чеки
расписание schedule расписании
врач doctor doctors врачей
код code кодом кода
смс sms смс
календарь calendar календаре календаря
синхронизируется sync syncs синхронизации
телефоне смартфоне мобильном phone
серверная server серверной
кондиционер conditioning air кондиционер
жарко hot перегрев температура
беспроводная wireless wi-fi wifi вайфай вайфая беспроводная
гостевой guest гостевого гостя посетителей visitors
шаблон template шаблона
бланк letterhead бланка
документы documents документов документ
ошибка error ошибки errors ошибкой
подключается connect connects connecting connection подключение подключиться подключить
открывается open opens opening открыть открытии открывается
""".strip()


def transliterate(word: str) -> str:
    """The Cyrillic spelling of a Latin-typed Russian word (lower case)."""
    return _TRANSLIT_RE.sub(lambda match: _TRANSLIT_MAP[match.group(0)], word)


def words(text: str) -> list[str]:
    """Lower-case words, ё read as е."""
    return [w.lower().replace("ё", "е") for w in _WORD.findall(text)]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """One word's stem, cached: desk vocabulary is small and stemming is most of the cost."""
    return stem_words(word)[0]


_STOP_STEMS = frozenset(_stem(word) for word in _STOP_WORDS) | frozenset(_STOP_WORDS)


def _glossary() -> dict[str, str]:
    canonical: dict[str, str] = {}
    for line in _GLOSSARY.splitlines():
        first, *others = line.split()
        target = _stem(first)
        for word in others:
            canonical.setdefault(_stem(word.lower().replace("ё", "е")), target)
    return canonical


_CANONICAL = _glossary()


@dataclass(frozen=True)
class Term:
    """A feature of the text: the stem that is compared and the word as written (shown)."""

    stem: str
    word: str


def terms(text: str) -> list[Term]:
    """The comparable terms of `text`: stems without stop words; a Latin word gives its English
    stem and the Russian stem of its transliteration."""
    found: list[Term] = []
    for written in _WORD.findall(text):
        word = written.lower().replace("ё", "е")
        if len(word) < 2 and not word.isdigit():
            continue
        stems = [_stem(word)]
        if _LATIN.search(word) and not _CYRILLIC.search(word) and stems[0] not in _CANONICAL:
            stems.append(_stem(transliterate(word)))
        if any(stem in _STOP_STEMS for stem in stems):
            continue
        found.extend(
            Term(stem, written) for stem in dict.fromkeys(_CANONICAL.get(s, s) for s in stems)
        )
    return found


def stems(text: str) -> list[str]:
    """Just the stems of `terms(text)`: the analyser of the word vectoriser."""
    return [term.stem for term in terms(text)]


# Letters a Latin spelling confuses ("mishka" for "мышка", "zhurnal" for "журнал"): folded
# together for the character n-grams only.
_FOLD = str.maketrans({"ы": "и", "й": "и", "э": "е", "щ": "ш", "ь": None, "ъ": None})


def cyrillic(text: str) -> str:
    """The words of `text` that are not stop words, in lower case, every Latin word
    transliterated, easily confused letters folded: what the character n-grams read."""
    spelled = (
        transliterate(word) if _LATIN.search(word) and not _CYRILLIC.search(word) else word
        for word in words(text)
    )
    return " ".join(
        word.translate(_FOLD)
        for word in spelled
        if word not in _STOP_STEMS and _stem(word) not in _STOP_STEMS
    )


def surface_words(texts: list[str]) -> dict[str, str]:
    """For each stem in `texts`, the word most often written for it: what an explanation shows
    ("печатает", not the stem "печата")."""
    counts: dict[str, Counter[str]] = {}
    for text in texts:
        for term in terms(text):
            counts.setdefault(term.stem, Counter())[term.word] += 1
    return {stem: words.most_common(1)[0][0] for stem, words in counts.items()}


def query_words(text: str, limit: int = 12) -> list[str]:
    """Distinct words worth searching for (the full-text candidate query), Latin ones also in
    their Cyrillic spelling, longest first: long words are the rarer, more telling ones."""
    chosen: dict[str, None] = {}
    for term in terms(text):
        word = term.word.lower()
        chosen[word] = None
        if _LATIN.search(word) and not _CYRILLIC.search(word):
            chosen[transliterate(word)] = None
    return sorted(chosen, key=lambda w: (-len(w), w))[:limit]
