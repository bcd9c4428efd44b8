"""The crowdfunding contests' pages: the managers' console, the judges' desk, the enterprise portal."""
