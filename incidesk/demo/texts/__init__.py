"""The words of the demo desk, in Russian: people and organisations (`names`), what people say
on an incident (`conversation`), and the scenarios, one module per team that handles them.

Each scenario is a kind of trouble a small office really reports, with the category, service,
team, causes and resolution codes that fit it, so reports over the demo data look plausible.
`{slot}` placeholders are filled from `scenario.SLOTS`.
"""

from incidesk.demo.texts import applications, first_line, infrastructure
from incidesk.demo.texts.scenario import Scenario

# Every scenario, in a fixed order: the seeded generator picks by position, so a seed builds the
# same desk for as long as this order stays.
SCENARIOS: list[Scenario] = [
    first_line.PRINTER_FAULT,
    first_line.PRINTER_SUPPLIES,
    applications.ERP_FAULT,
    applications.ERP_ACCESS,
    infrastructure.VPN_FAULT,
    infrastructure.MAIL_FAULT,
    first_line.PASSWORD_RESET,
    first_line.NEW_ACCOUNT,
    infrastructure.POWER_OUTAGE,
    infrastructure.SERVER_ROOM_CLIMATE,
    infrastructure.INTERNET_DOWN,
    infrastructure.WIFI_FAULT,
    first_line.WORKSTATION_FAULT,
    first_line.LAPTOP_FAULT,
    infrastructure.PHONE_FAULT,
    first_line.SOFTWARE_INSTALL,
    infrastructure.SHARE_ACCESS,
    applications.CRM_FAULT,
    applications.WEBSITE_FAULT,
    infrastructure.SUSPICIOUS_MAIL,
    infrastructure.ACCOUNT_MISUSE,
    first_line.PERIPHERALS,
    first_line.OFFICE_FILES,
]
