"""The crowdfunding contests' endpoints (소셜 크라우드펀딩 대회): contests, entries, judging, advancing, awards."""
