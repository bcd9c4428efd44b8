"""Routes and the menu entry of the public campaign pages (no login) and the backers' own pledges
(``web.crowdfunding.public`` and ``backer``)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from crowdfunding.access import ACCESS
from web.common import menu

from . import backer, public

urlpatterns = [
    path("contests/", public.ContestList.as_view(), name="public-contests"),
    path("contests/<slug:code>/", public.ContestCampaigns.as_view(), name="public-contest"),
    path("campaigns/<int:pk>/", public.CampaignPage.as_view(), name="campaign"),
    path("campaigns/<int:pk>/pledge/", public.PledgePage.as_view(), name="campaign-pledge"),
    path("campaigns/<int:pk>/pledge/return/", public.PledgeReturn.as_view(), name="campaign-pledge-return"),
    path("my/pledges/", backer.MyPledgeList.as_view(), name="my-pledges"),
    path("my/pledges/<int:pk>/", backer.MyPledgePage.as_view(), name="my-pledge"),
    path("my/pledges/<int:pk>/cancel/", backer.MyPledgeCancel.as_view(), name="my-pledge-cancel"),
]

menu.add(
    menu.Entry(menu.BACKER, "pledges", _("My pledges"), "web:my-pledges", ACCESS, "pledge.read", order=10),
    menu.Entry(menu.BACKER, "campaigns", _("Campaigns"), "web:public-contests", ACCESS, "campaign.read", order=20),
)
