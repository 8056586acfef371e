"""SMS: composing messages (GSM-7/UCS-2, segments), sending them through Twilio, pacing the sends."""
