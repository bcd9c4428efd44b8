"""What every contest view shares: the one permission class reading the contests' access table, and the schema tag."""

from __future__ import annotations

from api.common.permissions import AccessControlled
from crowdfunding.access import ACCESS

# The operations' group in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG = "Crowdfunding contests (소셜 크라우드펀딩 대회)"


class ContestsView(AccessControlled):
    access = ACCESS
    schema_tag = TAG
