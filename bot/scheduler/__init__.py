"""The scheduler: the tick and its outputs, the notices features queue, delivery to Telegram."""
