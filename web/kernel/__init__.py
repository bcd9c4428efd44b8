"""The pages of the kernel: the landing page, the session login, the console's and the portal's start pages."""
