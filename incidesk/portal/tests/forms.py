"""The portal's report form as a browser posts it, for every test that files a report."""

from incidesk.catalog.models import Level

REPORT_FORM = {
    "kind": "incident",
    "title": "Не работает VPN",
    "description": "Ошибка 809 при подключении из дома.",
    "category": "",
    "service": "",
    "impact": Level.MEDIUM,
    "urgency": Level.HIGH,
}
