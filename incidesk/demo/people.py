"""The demo desk's people: an administrator, three teams with their leads and agents, and the
customers of five organisations. Passwords are fixed, so the README can name the logins."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from incidesk.accounts.models import Organisation, Role, Team, User
from incidesk.demo.texts import names

ADMIN_EMAIL = "admin@example.com"
# Always the first customer of the first organisation, so the README can name a login.
DEMO_CUSTOMER = ("Мария Иванова", "m.ivanova")
STAFF_DOMAIN = "example.com"
PASSWORDS = {
    Role.ADMIN: "demo-admin",
    Role.LEAD: "demo-lead",
    Role.AGENT: "demo-agent",
    Role.CUSTOMER: "demo-customer",
}
CUSTOMERS_PER_ORGANISATION = 10


@dataclass
class Staff:
    """A team with its lead and agents, as the stories assign them."""

    team: Team
    lead: User
    agents: list[User]


def create_people(rng: random.Random) -> tuple[list, dict[str, Staff], list[User]]:
    """The accounts, teams and organisations; returns the logins to print, the teams by code and
    the customers."""
    # One hash per password: hashing is deliberately slow, and these are demo accounts.
    hashes = {role: make_password(password) for role, password in PASSWORDS.items()}
    logins = []

    def user(email: str, name: str, role: Role, **fields) -> User:
        person = User(email=email, full_name=name, role=role, password=hashes[role], **fields)
        person.save()
        if role != Role.CUSTOMER:
            logins.append((role.label, email, PASSWORDS[role]))
        return person

    user(ADMIN_EMAIL, "Администратор", Role.ADMIN)
    staff = {}
    for code, name, (lead_name, lead_login), agents in names.TEAMS:
        lead = user(f"{lead_login}@{STAFF_DOMAIN}", lead_name, Role.LEAD)
        members = [user(f"{login}@{STAFF_DOMAIN}", n, Role.AGENT) for n, login in agents]
        team = Team.objects.create(code=code, name=name, lead=lead)
        team.members.add(lead, *members)
        staff[code] = Staff(team, lead, members)

    customers: list[User] = []
    emails: set[str] = set()
    for name, domain, shared in names.ORGANISATIONS:
        organisation = Organisation.objects.create(name=name, shared_visibility=shared)
        joined = 0
        if not customers:
            full_name, login = DEMO_CUSTOMER
            emails.add(f"{login}@{domain}")
            joined += 1
            customers.append(
                user(f"{login}@{domain}", full_name, Role.CUSTOMER, organisation=organisation)
            )
            logins.append((Role.CUSTOMER.label, customers[-1].email, PASSWORDS[Role.CUSTOMER]))
        while joined < CUSTOMERS_PER_ORGANISATION:
            female = rng.random() < 0.55
            first, initial = rng.choice(names.FEMALE_NAMES if female else names.MALE_NAMES)
            surname, latin = rng.choice(names.SURNAMES)
            if female:
                surname, latin = surname + "а", latin + "a"
            email = f"{initial}.{latin}@{domain}"
            if email in emails:
                continue
            emails.add(email)
            joined += 1
            customers.append(
                user(email, f"{first} {surname}", Role.CUSTOMER, organisation=organisation)
            )
        logins.append((Role.CUSTOMER.label, customers[-1].email, PASSWORDS[Role.CUSTOMER]))
    return logins, staff, customers
