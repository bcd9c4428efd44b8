"""The revolving fund (사회적경제활성화기금) over HTTP: funds, products, applications, loans and their servicing."""
