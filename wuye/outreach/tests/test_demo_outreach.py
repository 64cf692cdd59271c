import pytest

from wuye.demo.services import demo_load
from wuye.messaging.models import Notification
from wuye.outreach.models import (
    Activity,
    Campaign,
    CampaignState,
    MessageRule,
    OutageNotice,
    ProjectContact,
    WarrantyComponent,
)

MODELS = (
    Activity,
    Campaign,
    MessageRule,
    OutageNotice,
    ProjectContact,
    WarrantyComponent,
    Notification,
)


@pytest.mark.django_db
def test_demo_outreach_rows_and_a_sent_campaign_once():
    demo_load(tickets=False)
    before = {m.__name__: m.objects.count() for m in MODELS}
    assert before["MessageRule"] == 4 and before["WarrantyComponent"] == 6
    campaign = Campaign.objects.get()
    assert campaign.state == CampaignState.SENT and campaign.recipients > 0
    assert campaign.stats["total"] == campaign.recipients
    again = demo_load(tickets=False)
    assert again.created_total == 0
    assert {m.__name__: m.objects.count() for m in MODELS} == before
