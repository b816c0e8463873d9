"""Push alerts (--notify URL): each sighting sent through Apprise to ntfy, Telegram,
Pushover, Discord, e-mail, MQTT, a JSON webhook... from a thread per URL, off the
station's path. Apprise is imported here only, and only when --notify is used."""
