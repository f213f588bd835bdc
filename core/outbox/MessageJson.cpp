#include "outbox/MessageJson.h"

namespace outpost::json {

/// ISO 8601 in UTC with milliseconds. The last result is kept: a queued message's
/// next_attempt_at is usually its created_at, and formatting was a seventh of `list --json`.
QString iso(const QDateTime &t)
{
    if (!t.isValid())
        return {};
    thread_local qint64 lastMs = -1;
    thread_local QString last;
    const qint64 ms = t.toMSecsSinceEpoch();
    if (ms != lastMs) {
        last = t.toUTC().toString(Qt::ISODateWithMs);
        lastMs = ms;
    }
    return last;
}

QJsonValue isoOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(iso(t)) : QJsonValue(QJsonValue::Null);
}

QJsonObject reply(const SmtpReply &r)
{
    if (r.code == 0 && r.lines.isEmpty())
        return {};
    return {{QStringLiteral("code"), r.code},
            {QStringLiteral("enhanced_code"), QString::fromLatin1(r.enhanced)},
            {QStringLiteral("text"), r.text()}};
}

QJsonValue replyOrNull(const SmtpReply &r)
{
    const QJsonObject o = reply(r);
    return o.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(o);
}

/// The DSN request as `list --json` shows it: null when nothing is asked, else
/// {notify, ret, envid}, each null when not asked.
QJsonValue dsn(const DsnRequest &d)
{
    if (!d.isRequested())
        return QJsonValue(QJsonValue::Null);
    auto orNull = [](const QString &v) {
        return v.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(v);
    };
    return QJsonObject{{QStringLiteral("notify"), orNull(dsnNotifyName(d.notify))},
                       {QStringLiteral("ret"), orNull(dsnRetName(d.ret))},
                       {QStringLiteral("envid"), orNull(QString::fromLatin1(d.envid))}};
}

/// The `list --json` object of one message (design.md §6). Filled into a copy of one object
/// that already holds every key: building each object key by key reallocated its storage at
/// every insert, half of `outpost list --json` on 100,000 messages.
QJsonObject summary(const MessageSummary &m)
{
    static const QJsonObject proto = [] {
        QJsonObject o;
        for (const char *key :
             {"id", "state", "class", "account", "from", "to", "subject", "attempts", "created_at",
              "send_at", "next_attempt_at", "last_reply", "last_error", "uncertain", "size",
              "message_id", "dsn"})
            o.insert(QLatin1String(key), QJsonValue(QJsonValue::Null));
        return o;
    }();
    QJsonObject o = proto;
    o[QLatin1String("id")] = m.id;
    o[QLatin1String("state")] = messageStateName(m.state);
    if (m.errorClass != ErrorClass::None)
        o[QLatin1String("class")] = errorClassName(m.errorClass);
    o[QLatin1String("account")] = m.account;
    o[QLatin1String("from")] = m.fromText;
    o[QLatin1String("to")] = m.toText;
    o[QLatin1String("subject")] = m.subject;
    o[QLatin1String("attempts")] = m.attempts;
    o[QLatin1String("created_at")] = isoOrNull(m.createdAt);
    o[QLatin1String("send_at")] = isoOrNull(m.sendAt);
    if (m.state == MessageState::Queued)
        o[QLatin1String("next_attempt_at")] = isoOrNull(m.nextAttemptAt);
    o[QLatin1String("last_reply")] = replyOrNull(m.lastReply);
    if (!m.lastDetail.isEmpty())
        o[QLatin1String("last_error")] = m.lastDetail;
    o[QLatin1String("uncertain")] = m.uncertain;
    o[QLatin1String("size")] = m.size;
    o[QLatin1String("message_id")] = QString::fromLatin1(m.messageId);
    o[QLatin1String("dsn")] = dsn(m.dsn);
    return o;
}

} // namespace outpost::json
