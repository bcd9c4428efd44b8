"""The revolving fund's pages (사회적경제활성화기금): in the console, funds, applications, loans, repayments and
write-offs with their actions; in the portal, an enterprise's own loans and applications."""
