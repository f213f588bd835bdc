#pragma once

#include "outbox/OutboxStore.h"

#include <QJsonObject>
#include <QJsonValue>

/// The JSON shapes of the outbox that scripts read (`outpost list --json`, `show --json`,
/// design.md §6). Built with QJsonObject; callers serialise them with QJsonDocument.
namespace outpost::json {

/// ISO 8601 in UTC with milliseconds ("2026-11-29T15:00:00.000Z"); empty for an invalid time.
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
/// One message as `outpost list --json` shows it: id, state, class, account, from, to,
/// subject, attempts, created_at, send_at, next_attempt_at (queued only), last_reply,
/// last_error, uncertain, size (octets), message_id, dsn.
QJsonObject summary(const MessageSummary &m);

} // namespace outpost::json
