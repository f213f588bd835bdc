#include "outbox/MessageJson.h"

#include <QHash>

#include <limits>

namespace outpost::json {

namespace {

constexpr qint64 kDayMs = 86400000;
/// 10000-01-01T00:00:00Z: from there on Qt writes the year differently.
constexpr qint64 kYear10000Ms = 253402300800000;

/// The keys of summary(), in the order QJsonObject keeps them (sorted).
enum Field
{
    Account,
    Attempts,
    Class,
    ContentDroppedAt,
    Copy,
    CreatedAt,
    Delivery,
    Dsn,
    From,
    Id,
    LastError,
    LastReply,
    MessageId,
    NextAttemptAt,
    RecipientCount,
    RefusedRecipients,
    SendAt,
    Size,
    State,
    Subject,
    To,
    Uncertain,
    FieldCount
};
const char *const kKeys[FieldCount] = {"account",
                                       "attempts",
                                       "class",
                                       "content_dropped_at",
                                       "copy",
                                       "created_at",
                                       "delivery",
                                       "dsn",
                                       "from",
                                       "id",
                                       "last_error",
                                       "last_reply",
                                       "message_id",
                                       "next_attempt_at",
                                       "recipient_count",
                                       "refused_recipients",
                                       "send_at",
                                       "size",
                                       "state",
                                       "subject",
                                       "to",
                                       "uncertain"};

/// Every key of summary(), each null.
const QJsonObject &prototype()
{
    static const QJsonObject proto = [] {
        QJsonObject o;
        for (const char *key : kKeys)
            o.insert(QLatin1String(key), QJsonValue(QJsonValue::Null));
        Q_ASSERT(o.size() == FieldCount);
        for (int f = 0; f < FieldCount; ++f)
            Q_ASSERT((o.constBegin() + f).key() == QLatin1String(kKeys[f]));
        return o;
    }();
    return proto;
}

/// The value of a message state, error class or other short word: one QJsonValue per
/// distinct word, made once.
QJsonValue word(const QString &w)
{
    thread_local QHash<QString, QJsonValue> known;
    auto it = known.constFind(w);
    if (it == known.cend())
        it = known.insert(w, QJsonValue(w));
    return *it;
}

bool sameReply(const SmtpReply &a, const SmtpReply &b)
{
    return a.code == b.code && a.enhanced == b.enhanced && a.lines == b.lines;
}

qint64 msOf(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() : std::numeric_limits<qint64>::min();
}

} // namespace

/// ISO 8601 in UTC with milliseconds. The date part ("2026-11-29T") comes from QDateTime,
/// once per day met; the time of day is computed from the milliseconds (UTC has no
/// offsets or daylight saving, and Qt knows no leap seconds), so it is the same text as
/// QDateTime::toString(Qt::ISODateWithMs) without its cost at every message: formatting
/// times was a seventh of `list --json`. Times before 1970 or from year 10000 on take
/// QDateTime's own path.
QString iso(const QDateTime &t)
{
    if (!t.isValid())
        return {};
    const qint64 ms = t.toMSecsSinceEpoch();
    thread_local qint64 lastMs = -1;
    thread_local QString last;
    if (ms == lastMs)
        return last;
    if (ms < 0 || ms >= kYear10000Ms) {
        last = t.toUTC().toString(Qt::ISODateWithMs);
        lastMs = ms;
        return last;
    }
    // "yyyy-MM-ddT" of the last days met, by day number modulo 8: a message's created_at and
    // next_attempt_at are often on different days, and one slot alone was remade at every
    // call when they alternated.
    struct Day
    {
        qint64 number = -1;
        QString datePart;
    };
    thread_local Day days[8];
    const qint64 d = ms / kDayMs;
    Day &day = days[d & 7];
    if (day.number != d) {
        day.datePart =
            QDateTime::fromMSecsSinceEpoch(d * kDayMs, Qt::UTC).toString(Qt::ISODate).left(11);
        day.number = d;
    }
    const QString &datePart = day.datePart;
    int rest = int(ms - d * kDayMs);
    const int milli = rest % 1000;
    rest /= 1000;
    const int sec = rest % 60;
    rest /= 60;
    const int min = rest % 60;
    const int hour = rest / 60;
    const char16_t time[13] = {char16_t(u'0' + hour / 10),
                               char16_t(u'0' + hour % 10),
                               u':',
                               char16_t(u'0' + min / 10),
                               char16_t(u'0' + min % 10),
                               u':',
                               char16_t(u'0' + sec / 10),
                               char16_t(u'0' + sec % 10),
                               u'.',
                               char16_t(u'0' + milli / 100),
                               char16_t(u'0' + milli / 10 % 10),
                               char16_t(u'0' + milli % 10),
                               u'Z'};
    QString s;
    s.reserve(datePart.size() + 13);
    s += datePart;
    s.append(reinterpret_cast<const QChar *>(time), 13);
    last = s;
    lastMs = ms;
    return s;
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

// outpost::Delivery: in this file `Delivery` is also the key of summary()'s field.
QJsonValue delivery(outpost::Delivery d)
{
    return d == outpost::Delivery::None ? QJsonValue(QJsonValue::Null) : word(deliveryName(d));
}

QJsonValue copy(const MessageSummary &m)
{
    if (m.copyState == CopyState::None)
        return QJsonValue(QJsonValue::Null);
    QJsonValue error(QJsonValue::Null);
    if (m.copyState == CopyState::Failed)
        error = QJsonObject{{QStringLiteral("class"), m.copyErrorClass},
                            {QStringLiteral("text"), m.copyError}};
    const bool waits = m.copyState == CopyState::Pending || m.copyState == CopyState::Failed;
    return QJsonObject{{QStringLiteral("state"), copyStateName(m.copyState)},
                       {QStringLiteral("attempts"), m.copyAttempts},
                       {QStringLiteral("next_attempt_at"),
                        waits ? isoOrNull(m.copyNextAttemptAt) : QJsonValue(QJsonValue::Null)},
                       {QStringLiteral("error"), error},
                       {QStringLiteral("uid"),
                        m.copyUid ? QJsonValue(qint64(m.copyUid)) : QJsonValue(QJsonValue::Null)},
                       {QStringLiteral("sent_at"), isoOrNull(m.sentAt)}};
}

/// The `list --json` object of one message (design.md §6), from a fresh SummaryObjects.
QJsonObject summary(const MessageSummary &m)
{
    SummaryObjects objects;
    return objects.of(m);
}

SummaryObjects::SummaryObjects()
    : m_object(prototype())
{}

/// Fills the object field by field, in key order through an iterator (no key lookups), each
/// only when the message differs from the previous one there. The rules are summary()'s:
/// class, next_attempt_at (queued only), last_error and last_reply stay null when empty;
/// delivery is null but for a sent message.
const QJsonObject &SummaryObjects::of(const MessageSummary &m)
{
    if (m_sinceFresh >= 256) {
        m_object = prototype();
        m_sinceFresh = -1;
    }
    const bool all = m_sinceFresh < 0;
    const MessageSummary &p = m_previous;
    // begin() makes the object this one's own: a copy only when a QJsonDocument (or the
    // caller) still shares it, or right after a fresh start.
    const QJsonObject::iterator first = m_object.begin();
    auto put = [&first](Field f, const QJsonValue &v) {
        (first + f).value() = v;
    };
    if (all || m.account != p.account)
        put(Account, m.account);
    if (all || m.attempts != p.attempts)
        put(Attempts, m.attempts);
    if (all || m.errorClass != p.errorClass)
        put(Class, m.errorClass == ErrorClass::None ? QJsonValue(QJsonValue::Null)
                                                    : word(errorClassName(m.errorClass)));
    if (all || msOf(m.contentDroppedAt) != msOf(p.contentDroppedAt))
        put(ContentDroppedAt, isoOrNull(m.contentDroppedAt));
    if (all || m.copyState != p.copyState || m.copyAttempts != p.copyAttempts ||
        msOf(m.copyNextAttemptAt) != msOf(p.copyNextAttemptAt) || m.copyUid != p.copyUid ||
        m.copyError != p.copyError || m.copyErrorClass != p.copyErrorClass ||
        msOf(m.sentAt) != msOf(p.sentAt))
        put(Copy, copy(m));
    if (all || msOf(m.createdAt) != msOf(p.createdAt))
        put(CreatedAt, isoOrNull(m.createdAt));
    if (all || m.delivery() != p.delivery())
        put(Delivery, delivery(m.delivery()));
    if (all || m.dsn != p.dsn)
        put(Dsn, dsn(m.dsn));
    if (all || m.fromText != p.fromText)
        put(From, m.fromText);
    put(Id, m.id);
    if (all || m.lastDetail != p.lastDetail)
        put(LastError,
            m.lastDetail.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m.lastDetail));
    if (all || !sameReply(m.lastReply, p.lastReply))
        put(LastReply, replyOrNull(m.lastReply));
    if (all || m.messageId != p.messageId)
        put(MessageId, QString::fromLatin1(m.messageId));
    const bool queued = m.state == MessageState::Queued;
    const bool wasQueued = p.state == MessageState::Queued;
    if (all || queued != wasQueued || (queued && msOf(m.nextAttemptAt) != msOf(p.nextAttemptAt)))
        put(NextAttemptAt, queued ? isoOrNull(m.nextAttemptAt) : QJsonValue(QJsonValue::Null));
    if (all || m.recipientCount != p.recipientCount)
        put(RecipientCount, m.recipientCount);
    if (all || m.refusedRecipients != p.refusedRecipients)
        put(RefusedRecipients, m.refusedRecipients);
    if (all || msOf(m.sendAt) != msOf(p.sendAt))
        put(SendAt, isoOrNull(m.sendAt));
    if (all || m.size != p.size)
        put(Size, m.size);
    if (all || m.state != p.state)
        put(State, word(messageStateName(m.state)));
    if (all || m.subject != p.subject)
        put(Subject, m.subject);
    if (all || m.toText != p.toText)
        put(To, m.toText);
    if (all || m.uncertain != p.uncertain)
        put(Uncertain, m.uncertain);
    m_previous = m;
    ++m_sinceFresh;
    return m_object;
}

} // namespace outpost::json
