//! The receipt email a stakeholder gets.

use crate::db::models::receipt::DueReceipt;
use chrono_tz::Tz;
use lettre::message::{header::ContentType, Mailbox};
use lettre::Message;

/// The Message-ID is derived from the comment, so a receipt retried after
/// an uncertain failure is recognisably the same message.
pub fn message_id(r: &DueReceipt) -> String {
    format!("<receipt.{}@rfidesk>", r.tracking_number)
}

/// The receipt: `own_path` is the submitter's private page (read and
/// withdraw the comment before the deadline).
pub fn build(
    r: &DueReceipt,
    from: &Mailbox,
    public_url: &str,
    own_path: &str,
) -> Result<Message, String> {
    let to: Mailbox = r
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    let received = r.received_at.and_utc();
    let local = match r.docket_time_zone.parse::<Tz>() {
        Ok(tz) => received
            .with_timezone(&tz)
            .format("%B %-d, %Y at %-I:%M %p %Z")
            .to_string(),
        Err(_) => received.format("%B %-d, %Y at %H:%M UTC").to_string(),
    };
    let late = if r.late {
        "\nNote: your comment arrived after the comment period closed. It was accepted and marked as late.\n"
    } else {
        ""
    };
    let body = format!(
        "Thank you. Your comment was received.\n\n\
         {title}\n\n\
         Tracking number: {tracking}\n\
         Received: {local} ({utc})\n\
         Docket: {docket}\n{late}\n\
         Keep this number to refer to your comment. You can confirm it was received at:\n\
         {public_url}/receipts/{tracking}\n\n\
         To read your comment, or to withdraw it before the comment period closes, use this\n\
         private link (anyone who has it can do the same, so do not share it):\n\
         {public_url}{own_path}\n\n\
         This message was sent automatically; replies are not read.\n",
        title = r.docket_title,
        tracking = r.tracking_number,
        utc = received.format("%Y-%m-%dT%H:%M:%SZ"),
        docket = r.docket_id,
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!(
            "Comment received: {} ({})",
            r.docket_title, r.tracking_number
        ))
        .message_id(Some(message_id(r)))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("could not build the receipt: {e}"))
}
