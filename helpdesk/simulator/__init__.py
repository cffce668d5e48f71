"""Phone simulator: try the SMS and Telegram channels in a browser, without any account.

Demo only (``DIODO_SIMULATOR=true``, refused with ``DIODO_ENV=production``). The page at
``/simulator`` sends through the real inbound code (the signed Twilio webhook, the Telegram
polling loop); replies leave through the real twilio and python-telegram-bot clients,
pointed at local stand-ins of Twilio's REST API and Telegram's Bot API in this app
(``local_api``). Nothing reaches the internet.
"""
