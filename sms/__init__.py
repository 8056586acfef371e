"""SMS: sending the texts core.sms_texts composes through Twilio, pacing the sends, receipts and replies."""
