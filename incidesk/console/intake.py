"""Registering an incident for a caller: a customer on the phone, at the desk or in a chat.

The agent chooses the customer's account by e-mail (found as they type) or creates it: an
unknown address becomes a passwordless customer account (`accounts.contacts`), as it does for
e-mail and anonymous portal reports, so the customer can follow the incident. A caller with no
e-mail is recorded by name and phone. The incident is registered by the one registration action
every intake calls, `incidents.actions.do_create_incident`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import Organisation, Role, Team, User
from incidesk.catalog.models import Category, Level, Service
from incidesk.core.errors import DomainError, InvalidInput
from incidesk.core.text import LineField
from incidesk.incidents import actions
from incidesk.incidents.models import Channel, Incident, Kind
from incidesk.web.access import staff_required
from incidesk.web.forms import BootstrapForm, TreeChoiceField, active_tree, add_domain_error

# The channels a person can bring an incident to the desk by; the portal, e-mail and API
# register their own.
CALLER_CHANNELS = [(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)]
SUGGESTIONS = 10


class CallerForm(BootstrapForm, forms.Form):
    """Who is calling and what happened. The action decides what is valid; the form parses."""

    customer = forms.EmailField(
        label=gettext_lazy("Customer's e-mail"),
        required=False,
        help_text=gettext_lazy(
            "Type to find the customer. An address the desk does not know yet creates the "
            "customer's account. Leave empty for a caller with a phone number only."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "list": "customer-options"}),
    )
    contact_name = LineField(label=gettext_lazy("Caller's name"), max_length=200, required=False)
    contact_phone = LineField(label=gettext_lazy("Phone"), max_length=50, required=False)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=gettext_lazy("— the customer's own —"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=CALLER_CHANNELS, initial=Channel.PHONE
    )
    title = LineField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What the caller says"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Kind.choices, initial=Kind.INCIDENT
    )
    impact = forms.ChoiceField(
        label=gettext_lazy("Impact"), choices=Level.choices, initial=Level.MEDIUM
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Level.choices, initial=Level.MEDIUM
    )
    category = TreeChoiceField(
        label=gettext_lazy("Category"),
        queryset=active_tree(Category),
        to_field_name="code",
        required=False,
    )
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=Service.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("— decide later —"),
    )

    def register(self, agent: User) -> Incident:
        """The customer's account (found or created) and the incident, in one transaction: a
        refused incident leaves no new account behind."""
        data = self.cleaned_data
        email = data["customer"].strip().lower()
        reporter = None
        if email:
            known = User.objects.filter(email__iexact=email).first()
            if known is not None and known.role != Role.CUSTOMER:
                raise InvalidInput.field(
                    "customer", _("This address belongs to a desk account, not to a customer.")
                )
            reporter = known or _new_contact(email, data)
        return actions.do_create_incident(
            actor=agent,
            title=data["title"],
            description=data["description"],
            kind=data["kind"],
            impact=data["impact"],
            urgency=data["urgency"],
            category=data["category"],
            service=data["service"],
            channel=data["channel"],
            reporter=reporter,
            contact_name=data["contact_name"],
            contact_email="" if reporter else email,
            contact_phone=data["contact_phone"],
            organisation=data["organisation"],
            team=data["team"],
        )


def _new_contact(email: str, data: dict[str, Any]) -> User:
    """A passwordless customer account for a caller the desk did not know, in the organisation
    the agent chose, with the phone they gave."""
    contact = contact_for(email, data["contact_name"])
    contact.organisation, contact.phone = data["organisation"], data["contact_phone"]
    contact.save(update_fields=["organisation", "phone"])
    return contact


@staff_required
def register(request: HttpRequest) -> HttpResponse:
    form = CallerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assert isinstance(request.user, User)  # noqa: S101  staff_required turned anonymous visitors away
            with transaction.atomic():
                incident = form.register(request.user)
        except DomainError as error:
            add_domain_error(form, error, aliases={"contact_email": "customer"})
        else:
            messages.success(
                request,
                _("%(number)s registered for %(caller)s.")
                % {"number": incident.number, "caller": incident.contact_display},
            )
            return redirect("console:incident", number=incident.number)
    status = 422 if request.method == "POST" else 200
    return render(request, "console/register.html", {"form": form}, status=status)


@staff_required
@require_GET
def customers(request: HttpRequest) -> HttpResponse:
    """Up to ten customer accounts matching what the agent typed (e-mail, name or phone), as
    the options of the form's suggestion list."""
    text = request.GET.get("customer", "").strip()[:100]
    found: list[User] = []
    if len(text) >= 2:
        found = list(
            User.objects.filter(role=Role.CUSTOMER, is_active=True)
            .filter(
                Q(email__icontains=text) | Q(full_name__icontains=text) | Q(phone__icontains=text)
            )
            .select_related("organisation")
            .order_by("email")[:SUGGESTIONS]
        )
    return render(request, "console/_customer_options.html", {"customers": found})
