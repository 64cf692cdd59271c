"""Web views of the service desk (console pages; the portal pages live in wuye.portal)."""
