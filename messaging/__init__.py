"""Messages to guests through every channel: Telegram, email, SMS."""
