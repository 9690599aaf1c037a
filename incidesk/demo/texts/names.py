"""The people and organisations of the demo desk."""

# (code, name, lead, agents); people as (full name, e-mail local part).
TEAMS = [
    (
        "first-line",
        "Первая линия",
        ("Ольга Смирнова", "o.smirnova"),
        [
            ("Дмитрий Козлов", "d.kozlov"),
            ("Анна Морозова", "a.morozova"),
            ("Игорь Волков", "i.volkov"),
            ("Екатерина Лебедева", "e.lebedeva"),
        ],
    ),
    (
        "infrastructure",
        "Инфраструктура",
        ("Сергей Николаев", "s.nikolaev"),
        [
            ("Алексей Фёдоров", "a.fedorov"),
            ("Павел Егоров", "p.egorov"),
            ("Максим Соловьёв", "m.solovyov"),
        ],
    ),
    (
        "applications",
        "Прикладные системы",
        ("Наталья Павлова", "n.pavlova"),
        [
            ("Виктория Семёнова", "v.semenova"),
            ("Роман Голубев", "r.golubev"),
            ("Татьяна Виноградова", "t.vinogradova"),
        ],
    ),
]

# (name, e-mail domain, colleagues see each other's incidents)
ORGANISATIONS = [
    ("ООО «Северный ветер»", "sevveter.example", False),
    ("АО «Техностиль»", "tehnostil.example", True),
    ("ООО «Торговый дом Волга»", "td-volga.example", False),
    ("ГБУЗ «Городская поликлиника № 3»", "gp3.example", False),
    ("ООО «Агрохолдинг Заречье»", "zarechye.example", False),
]

# (Russian, Latin) pairs so e-mail addresses need no transliteration.
MALE_NAMES = [
    ("Александр", "a"),
    ("Андрей", "a"),
    ("Борис", "b"),
    ("Владимир", "v"),
    ("Денис", "d"),
    ("Евгений", "e"),
    ("Иван", "i"),
    ("Кирилл", "k"),
    ("Михаил", "m"),
    ("Николай", "n"),
    ("Олег", "o"),
    ("Пётр", "p"),
    ("Станислав", "s"),
    ("Юрий", "yu"),
]
FEMALE_NAMES = [
    ("Алина", "a"),
    ("Валентина", "v"),
    ("Галина", "g"),
    ("Дарья", "d"),
    ("Елена", "e"),
    ("Ирина", "i"),
    ("Ксения", "k"),
    ("Людмила", "l"),
    ("Марина", "m"),
    ("Ольга", "o"),
    ("Светлана", "s"),
    ("Юлия", "yu"),
]
# Surnames with a feminine form ending in -а.
SURNAMES = [
    ("Иванов", "ivanov"),
    ("Петров", "petrov"),
    ("Сидоров", "sidorov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Васильев", "vasiliev"),
    ("Новиков", "novikov"),
    ("Макаров", "makarov"),
    ("Андреев", "andreev"),
    ("Захаров", "zakharov"),
    ("Зайцев", "zaitsev"),
    ("Борисов", "borisov"),
    ("Яковлев", "yakovlev"),
    ("Григорьев", "grigoriev"),
    ("Романов", "romanov"),
    ("Воробьёв", "vorobyov"),
    ("Сергеев", "sergeev"),
    ("Фролов", "frolov"),
    ("Александров", "aleksandrov"),
    ("Дмитриев", "dmitriev"),
    ("Королёв", "korolev"),
    ("Гусев", "gusev"),
    ("Киселёв", "kiselev"),
    ("Ильин", "ilyin"),
    ("Титов", "titov"),
    ("Белов", "belov"),
    ("Комаров", "komarov"),
    ("Орлов", "orlov"),
]
