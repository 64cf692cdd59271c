import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from wuye.outreach.models import Campaign, MessageRule
from wuye.outreach.services import campaign_create
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def test_admin_lists_are_read_only(client, world):
    su = f.UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(su)
    c = campaign_create(actor=world.admin, projects=[world.p1], title="年检", text="x")
    MessageRule.objects.create(company=world.company_a, kind="holiday")
    for model in (
        "campaign",
        "messagerule",
        "activity",
        "outagenotice",
        "warrantycomponent",
        "unithandover",
        "projectcontact",
    ):
        assert client.get(reverse(f"admin:outreach_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:outreach_campaign_change", args=[c.pk])).status_code == 200
    assert client.get(reverse("admin:outreach_campaign_add")).status_code == 403
    assert Campaign.objects.count() == 1


def test_sweep_command(world):
    out = io.StringIO()
    call_command("outreach_sweep", stdout=out)
    assert out.getvalue().startswith("campaigns: started 0, re-enqueued 0; rules run: 0")
