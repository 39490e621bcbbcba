"""What needs the signed-in user: one notification service, fed by every domain's records."""
