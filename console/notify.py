"""Messages to a newcomer in their own language, from locales/ (keys ``staff_*``)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.channel.texts import ChannelTexts

BERLIN = ZoneInfo("Europe/Berlin")
MODE_BUTTONS = {"home_visit": "button_contact_home_visit", "office": "button_contact_office",
                "phone": "button_contact_phone"}


def appointment_message(texts: ChannelTexts, language: str, reference: str, at: dt.datetime,
                        mode: str, place: str, interpreter: str | None) -> str:
    local = at.astimezone(BERLIN)
    date = texts.get("format_date", language).format(
        day=f"{local.day:02d}", month=f"{local.month:02d}", year=local.year)
    time = texts.get("format_time", language).format(hour=f"{local.hour:02d}",
                                                     minute=f"{local.minute:02d}")
    message = texts.get("staff_appointment_scheduled", language).format(
        reference=reference, date=date, time=time,
        mode=texts.get(MODE_BUTTONS[mode], language), place=place)
    if interpreter:
        name = texts.get(f"button_lang_{interpreter}", language)
        message += "\n" + texts.get("staff_appointment_interpreter", language).format(language=name)
    return message
