#pragma once

#include "storage/OutboxTypes.h"

#include <QJsonObject>
#include <QJsonValue>

/// The JSON shapes of the outbox that scripts read (`outpost list --json`, `show --json`,
/// design.md §6). Built with QJsonObject; callers serialise them with QJsonDocument.
namespace outpost::json {

/// ISO 8601 in UTC with milliseconds ("2026-11-29T15:00:00.000Z"), the same text as
/// `t.toUTC().toString(Qt::ISODateWithMs)`; empty for an invalid time.
QString iso(const QDateTime &t);
/// iso(t), or null for an invalid time.
QJsonValue isoOrNull(const QDateTime &t);
/// {code, enhanced_code, text} of a reply; an empty object when there was no reply.
QJsonObject reply(const SmtpReply &r);
/// reply(r), or null when there was no reply.
QJsonValue replyOrNull(const SmtpReply &r);
/// The DSN request (RFC 3461): null when nothing is asked, else {notify, ret, envid}, each
/// null when not asked.
QJsonValue dsn(const DsnRequest &d);
/// A message's delivery as the JSON says it: "complete" or "partial" for a sent message, null
/// for any other state.
QJsonValue delivery(Delivery d);
/// The copy in the Sent folder: null when none is made, else {state ("pending", "failed",
/// "copied"), attempts, next_attempt_at (pending or failed, null when no more tries), error
/// ({class: imapErrorClassName(), text} when failed, else null), uid (null when unknown),
/// sent_at}.
QJsonValue copy(const MessageSummary &m);
/// One message as `outpost list --json` shows it: id, state, class, account, from, to,
/// subject, attempts, created_at, send_at, next_attempt_at (queued only), last_reply,
/// last_error, uncertain, size (octets), message_id, dsn, delivery (null, "complete" or
/// "partial"), recipient_count, refused_recipients, content_dropped_at (when a sent message's
/// bytes were dropped after `retention.sent_days`; null while they are kept), copy (copy()).
QJsonObject summary(const MessageSummary &m);

/// summary() for one message after another, as `outpost list --json` writes them: one
/// QJsonObject is kept and only the fields that differ from the previous message's are
/// written into it (each string written into a QJsonObject costs several allocations; most
/// messages share their account, sender, state, attempts…). Every 256 messages it starts
/// again from a fresh object, so the strings it replaced do not pile up in it.
class SummaryObjects
{
public:
    SummaryObjects();
    /// The object of `m`, equal to summary(m). Valid until the next call; copying it is cheap
    /// (implicitly shared) but makes the next call copy it once.
    const QJsonObject &of(const MessageSummary &m);

private:
    QJsonObject m_object;
    MessageSummary m_previous;
    int m_sinceFresh = -1; ///< messages written since m_object was fresh; -1: none yet
};

} // namespace outpost::json
