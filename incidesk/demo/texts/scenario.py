"""What a scenario is, and the `{slot}` values its texts are filled with."""

from __future__ import annotations

from dataclasses import dataclass

SLOTS: dict[str, list[str]] = {
    "room": [str(n) for floor in range(1, 6) for n in range(floor * 100 + 1, floor * 100 + 25)],
    "floor": ["первом", "втором", "третьем", "четвёртом", "пятом"],
    "printer": [
        "HP LaserJet M428",
        "Kyocera ECOSYS M2540",
        "Canon i-SENSYS MF445",
        "Xerox B215",
        "Pantum M6500",
        "Brother HL-L2340",
    ],
    "host": [
        f"PC-{dept}-{n:03d}"
        for dept in ("BUH", "OK", "SKLAD", "OPT", "REG")
        for n in (3, 7, 12, 18, 25, 31)
    ],
    "share": ["Бухгалтерия", "Общая", "Кадры", "Договоры", "Склад", "Отчёты"],
    "base": ["Бухгалтерия предприятия", "Зарплата и управление персоналом", "Управление торговлей"],
    "program": ["Adobe Acrobat Reader", "КриптоПро CSP", "7-Zip", "Microsoft Teams", "AutoCAD LT"],
    "error": ["0x80070005", "0x800ccc0e", "809", "691", "500", "SQL-0407"],
}


@dataclass(frozen=True)
class Scenario:
    """One kind of trouble: how customers describe it (title, description) and how the desk
    resolves it."""

    kind: str  # incident | service_request
    category: str
    service: str
    team: str
    problems: tuple[tuple[str, str], ...]
    causes: tuple[str, ...]
    resolutions: tuple[str, ...]
    notes: tuple[str, ...]
    weight: int = 10


INCIDENT, REQUEST = "incident", "service_request"
