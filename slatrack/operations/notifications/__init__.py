"""Alerts and notifications: the events (outbox), the channels that carry them out of the app (WeCom, DingTalk,
Feishu, email, webhooks) with their delivery worker, the deadline reminders, and each person's in-app inbox."""
