"""The "twilio" entry of core.transports.TRANSPORTS: one name for both channels."""


def make_twilio_transport(config, channel):
    """The Twilio transport for ``channel`` ("sms" or "voice"), imported only when configured."""
    if channel == "sms":
        from sms.transport import make_sms_transport
        return make_sms_transport(config, channel)
    if channel == "voice":
        from voice.twilio_transport import make_voice_transport
        return make_voice_transport(config, channel)
    raise ValueError(f"no Twilio transport for channel {channel!r}")
