"""The social impact bonds' pages (사회성과보상사업): the console's contracts, dashboards and actions, the
evaluators' desk (/evaluator/), the investors' desk (/investor/) and the enterprise portal's contracts (/my/bonds/)."""
