"""Social crowdfunding contests (소셜 크라우드펀딩 대회): contests with phases, entries, judging, advancing, awards paid
from the contest's joint fund (공동기금); campaigns, pledges and matching pools come next, on the same book."""
