"""The reference data every new desk starts with (Russian and English). Loaded by a data
migration; admins edit it afterwards. Codes are stable: the API and reports use them."""

# (code, name_ru, name_en, [(code, name_ru, name_en), ...])
CATEGORIES = [
    (
        "hardware",
        "Оборудование",
        "Hardware",
        [
            ("printer", "Принтер", "Printer"),
            ("workstation", "Рабочая станция", "Workstation"),
            ("laptop", "Ноутбук", "Laptop"),
            ("phone", "Телефон", "Phone"),
            ("peripherals", "Периферия", "Peripherals"),
        ],
    ),
    (
        "software",
        "Программное обеспечение",
        "Software",
        [
            ("os", "Операционная система", "Operating system"),
            ("office", "Офисные приложения", "Office applications"),
            ("business_app", "Бизнес-приложение", "Business application"),
            ("installation", "Установка ПО", "Software installation"),
        ],
    ),
    (
        "network",
        "Сеть",
        "Network",
        [
            ("internet", "Доступ в интернет", "Internet access"),
            ("wifi", "Wi-Fi", "Wi-Fi"),
            ("vpn", "VPN", "VPN"),
        ],
    ),
    (
        "access",
        "Доступ и учётные записи",
        "Access and accounts",
        [
            ("password_reset", "Сброс пароля", "Password reset"),
            ("new_account", "Новая учётная запись", "New account"),
            ("permissions", "Права доступа", "Permissions"),
        ],
    ),
    (
        "facilities",
        "Инфраструктура",
        "Facilities",
        [
            ("power", "Электропитание", "Power"),
            ("climate", "Климат и серверная", "Climate and server room"),
        ],
    ),
]

SERVICES = [
    ("email", "Электронная почта", "E-mail"),
    ("erp_1c", "1С:Предприятие", "1C:Enterprise"),
    ("crm", "CRM", "CRM"),
    ("website", "Корпоративный сайт", "Corporate website"),
    ("vpn", "Удалённый доступ (VPN)", "Remote access (VPN)"),
    ("file_storage", "Файловое хранилище", "File storage"),
    ("telephony", "Телефония", "Telephony"),
    ("printing", "Печать", "Printing"),
    ("workplace", "Рабочее место", "Workplace"),
]

# The mission's cause categories, with sub-causes where it names them.
CAUSES = [
    (
        "technical_fault",
        "Технический сбой",
        "Technical fault",
        [
            ("hardware_failure", "Отказ оборудования", "Hardware failure"),
            ("software_error", "Ошибка программного обеспечения", "Software error"),
            ("misconfiguration", "Ошибка конфигурации", "Misconfiguration"),
        ],
    ),
    ("human_error", "Ошибка человека", "Human error", []),
    ("power_failure", "Сбой электропитания", "Power failure", []),
    ("natural_disaster", "Стихийное бедствие", "Natural disaster", []),
    ("cyberattack", "Кибератака", "Cyberattack", []),
    ("safety_violation", "Нарушение правил безопасности", "Safety-rule violation", []),
    (
        "unforeseen_event",
        "Непредвиденное событие",
        "Unforeseen event",
        [
            ("accident", "Авария", "Accident"),
            ("supplier_failure", "Сбой поставщика", "Supplier failure"),
        ],
    ),
    ("unknown", "Причина не установлена", "Unknown", []),
]

RESOLUTION_CODES = [
    ("fixed", "Устранено", "Fixed"),
    ("workaround", "Предложено обходное решение", "Workaround given"),
    ("no_fault_found", "Неисправность не обнаружена", "No fault found"),
    ("duplicate", "Дубликат", "Duplicate"),
    ("cancelled_by_customer", "Отменено заявителем", "Cancelled by customer"),
    ("request_fulfilled", "Запрос выполнен", "Request fulfilled"),
    ("user_instructed", "Пользователь проконсультирован", "User instructed"),
    ("third_party_fixed", "Устранено поставщиком", "Fixed by third party"),
    ("no_answer", "Нет ответа от заявителя", "No answer from customer"),
]

HOLD_REASONS = [
    ("awaiting_customer", "Ожидание ответа заявителя", "Awaiting customer"),
    ("awaiting_vendor", "Ожидание третьей стороны / поставщика", "Awaiting third party / vendor"),
    ("awaiting_change", "Ожидание изменения", "Awaiting change"),
    ("awaiting_problem", "Ожидание устранения проблемы", "Awaiting problem fix"),
]

# ITIL 3x3: P = impact + urgency - 1 with high=1, medium=2, low=3.
PRIORITY_MATRIX = [
    ("high", "high", 1),
    ("high", "medium", 2),
    ("high", "low", 3),
    ("medium", "high", 2),
    ("medium", "medium", 3),
    ("medium", "low", 4),
    ("low", "high", 3),
    ("low", "medium", 4),
    ("low", "low", 5),
]


def load(apps) -> None:
    """Create what is missing; never overwrite an admin's edits."""

    def tree(model_name: str, rows) -> None:
        model = apps.get_model("catalog", model_name)
        for position, (code, ru, en, children) in enumerate(rows):
            parent, _ = model.objects.get_or_create(
                code=code, defaults={"name_ru": ru, "name_en": en, "position": position}
            )
            for child_position, (child, child_ru, child_en) in enumerate(children):
                model.objects.get_or_create(
                    code=child,
                    defaults={
                        "name_ru": child_ru,
                        "name_en": child_en,
                        "parent": parent,
                        "position": child_position,
                    },
                )

    def flat(model_name: str, rows) -> None:
        model = apps.get_model("catalog", model_name)
        for position, (code, ru, en) in enumerate(rows):
            model.objects.get_or_create(
                code=code, defaults={"name_ru": ru, "name_en": en, "position": position}
            )

    tree("Category", CATEGORIES)
    tree("Cause", CAUSES)
    flat("Service", SERVICES)
    flat("ResolutionCode", RESOLUTION_CODES)
    flat("HoldReason", HOLD_REASONS)
    rule = apps.get_model("catalog", "PriorityRule")
    for impact, urgency, priority in PRIORITY_MATRIX:
        rule.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})
