// The JSON shapes of `outpost list --json` / `show --json` (core/outbox/MessageJson): iso()
// is Qt's ISODateWithMs text in UTC, and SummaryObjects (one object reused, only changed
// fields written) gives exactly the object built key by key for every message of a sequence.

#include "outbox/MessageJson.h"

#include <QJsonDocument>
#include <QTest>

using namespace outpost;

namespace {

/// The list --json object of design.md §6 built key by key, the plain way: the reference.
QJsonObject reference(const MessageSummary &m)
{
    auto timeOrNull = [](const QDateTime &t) {
        return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs))
                           : QJsonValue(QJsonValue::Null);
    };
    QJsonObject o;
    o.insert(QStringLiteral("id"), m.id);
    o.insert(QStringLiteral("state"), messageStateName(m.state));
    o.insert(QStringLiteral("class"), m.errorClass == ErrorClass::None
                                          ? QJsonValue(QJsonValue::Null)
                                          : QJsonValue(errorClassName(m.errorClass)));
    o.insert(QStringLiteral("account"), m.account);
    o.insert(QStringLiteral("from"), m.fromText);
    o.insert(QStringLiteral("to"), m.toText);
    o.insert(QStringLiteral("subject"), m.subject);
    o.insert(QStringLiteral("attempts"), m.attempts);
    o.insert(QStringLiteral("created_at"), timeOrNull(m.createdAt));
    o.insert(QStringLiteral("send_at"), timeOrNull(m.sendAt));
    o.insert(QStringLiteral("next_attempt_at"), m.state == MessageState::Queued
                                                    ? timeOrNull(m.nextAttemptAt)
                                                    : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("last_reply"), json::replyOrNull(m.lastReply));
    o.insert(QStringLiteral("last_error"),
             m.lastDetail.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m.lastDetail));
    o.insert(QStringLiteral("uncertain"), m.uncertain);
    o.insert(QStringLiteral("size"), m.size);
    o.insert(QStringLiteral("message_id"), QString::fromLatin1(m.messageId));
    o.insert(QStringLiteral("dsn"), json::dsn(m.dsn));
    // The copy in the Sent folder: null when none is made.
    if (m.copyState == CopyState::None) {
        o.insert(QStringLiteral("copy"), QJsonValue(QJsonValue::Null));
    } else {
        const bool waits = m.copyState == CopyState::Pending || m.copyState == CopyState::Failed;
        QJsonObject c;
        c.insert(QStringLiteral("state"), copyStateName(m.copyState));
        c.insert(QStringLiteral("attempts"), m.copyAttempts);
        c.insert(QStringLiteral("next_attempt_at"),
                 waits ? timeOrNull(m.copyNextAttemptAt) : QJsonValue(QJsonValue::Null));
        c.insert(QStringLiteral("error"),
                 m.copyState == CopyState::Failed
                     ? QJsonValue(QJsonObject{{QStringLiteral("class"), m.copyErrorClass},
                                              {QStringLiteral("text"), m.copyError}})
                     : QJsonValue(QJsonValue::Null));
        c.insert(QStringLiteral("uid"),
                 m.copyUid ? QJsonValue(qint64(m.copyUid)) : QJsonValue(QJsonValue::Null));
        c.insert(QStringLiteral("sent_at"), timeOrNull(m.sentAt));
        o.insert(QStringLiteral("copy"), c);
    }
    // Whether a sent message reached every recipient: "complete" or "partial", else null.
    QJsonValue delivery(QJsonValue::Null);
    if (m.state == MessageState::Sent)
        delivery = m.refusedRecipients > 0 ? QStringLiteral("partial") : QStringLiteral("complete");
    o.insert(QStringLiteral("delivery"), delivery);
    o.insert(QStringLiteral("recipient_count"), m.recipientCount);
    o.insert(QStringLiteral("refused_recipients"), m.refusedRecipients);
    // When a sent message's bytes were dropped (retention.sent_days), else null.
    o.insert(QStringLiteral("content_dropped_at"), timeOrNull(m.contentDroppedAt));
    return o;
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestMessageJson : public QObject
{
    Q_OBJECT

private slots:
    void isoIsQtsText_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::newRow("epoch + 1 ms") << qint64(1);
        QTest::newRow("a second") << qint64(1000);
        QTest::newRow("2026, 15:00") << qint64(1795964400000);
        QTest::newRow("last ms of a day") << qint64(1795996799999);
        QTest::newRow("first ms of the next") << qint64(1795996800000);
        QTest::newRow("29 Feb 2024 23:59:59.5") << qint64(1709251199500);
        QTest::newRow("31 Dec 1999 23:59:59.999") << qint64(946684799999);
        QTest::newRow("year 9999, last ms") << qint64(253402300799999);
        QTest::newRow("year 10000") << qint64(253402300800000);
        QTest::newRow("before 1970") << qint64(-1234567);
    }
    void isoIsQtsText()
    {
        QFETCH(qint64, ms);
        for (Qt::TimeSpec spec : {Qt::UTC, Qt::LocalTime}) {
            const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, spec);
            QCOMPARE(json::iso(t), t.toUTC().toString(Qt::ISODateWithMs));
        }
    }
    void isoOverManyDaysInTurn()
    {
        // Two times on different days in turn (created_at, next_attempt_at), days 8 apart
        // (the same slot of iso()'s day cache), and every hour of a year.
        const qint64 base = 1795964400000;
        for (int i = 0; i < 3000; ++i) {
            for (qint64 ms : {base + i * qint64(25200000) + i, base - i * qint64(777600000) - i,
                              base + qint64(i % 24) * 3600000 + qint64(i / 24) * 86400000}) {
                const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
                QCOMPARE(json::iso(t), t.toString(Qt::ISODateWithMs));
            }
        }
    }
    void isoOfAnInvalidTime()
    {
        QVERIFY(json::iso(QDateTime()).isEmpty());
        QVERIFY(json::isoOrNull(QDateTime()).isNull());
    }

    void deliveryOfASentMessage()
    {
        MessageSummary m;
        m.state = MessageState::Sent;
        m.recipientCount = 2;
        QCOMPARE(json::summary(m).value(QStringLiteral("delivery")), QJsonValue(u"complete"_qs));
        m.refusedRecipients = 1;
        const QJsonObject partial = json::summary(m);
        QCOMPARE(partial.value(QStringLiteral("delivery")), QJsonValue(u"partial"_qs));
        QCOMPARE(partial.value(QStringLiteral("state")), QJsonValue(u"sent"_qs));
        QCOMPARE(partial.value(QStringLiteral("refused_recipients")), QJsonValue(1));
        QCOMPARE(partial.value(QStringLiteral("recipient_count")), QJsonValue(2));
        m.state = MessageState::Failed;
        QVERIFY(json::summary(m).value(QStringLiteral("delivery")).isNull());
    }

    void summaryObjectsEqualTheReference()
    {
        // Messages that share some fields with the one before and differ in others, back and
        // forth, over more than one fresh start of the reused object (every 256).
        QList<MessageSummary> messages;
        const qint64 base = 1795964400000;
        for (int i = 0; i < 700; ++i) {
            MessageSummary m;
            m.id = 1000 - i;
            m.account = i % 7 == 0 ? QStringLiteral("home") : QStringLiteral("work");
            m.state = MessageState((i / 3) % 6);
            m.errorClass = i % 5 == 0 ? ErrorClass::Transient : ErrorClass::None;
            m.fromText = QStringLiteral("Al\u00efce <alice@example.org>");
            m.toText = i % 2 ? QStringLiteral("bob@example.net") : QStringLiteral("\"Q\" <q@x.y>");
            m.subject = QStringLiteral("subject %1 \u2603 \"quoted\" \\ \t").arg(i / 2);
            m.attempts = i % 4;
            m.createdAt = QDateTime::fromMSecsSinceEpoch(base + (i / 2) * 1234567, Qt::UTC);
            if (i % 9 == 0)
                m.sendAt = QDateTime::fromMSecsSinceEpoch(base + 86400000, Qt::UTC);
            if (i % 3 != 1)
                m.nextAttemptAt = QDateTime::fromMSecsSinceEpoch(base + i * 60000, Qt::UTC);
            if (i % 4 == 2) {
                m.lastReply.code = 451;
                m.lastReply.enhanced = "4.3.0";
                m.lastReply.lines = {"try again", i % 8 == 2 ? "later" : "soon"};
            }
            if (i % 6 == 3)
                m.lastDetail = QStringLiteral("connection refused");
            m.messageId = "m" + QByteArray::number(i / 2) + "@example.org";
            m.uncertain = i % 10 == 0;
            m.size = 1000 + i % 3;
            if (i % 11 < 3) {
                m.dsn.notify = DsnRequest::Success | DsnRequest::Failure;
                m.dsn.ret = i % 11 == 1 ? DsnRequest::Ret::Hdrs : DsnRequest::Ret::Default;
                m.dsn.envid = i % 11 == 2 ? "env-1" : "";
            }
            m.recipientCount = 1 + i % 3;
            m.refusedRecipients = i % 7 == 0 ? 0 : i % m.recipientCount;
            if (i % 5 == 1)
                m.contentDroppedAt = QDateTime::fromMSecsSinceEpoch(1700000000000 + i, Qt::UTC);
            m.copyState = CopyState(i / 2 % 4);
            m.copyAttempts = i / 3 % 3;
            if (m.copyState != CopyState::None)
                m.sentAt = QDateTime::fromMSecsSinceEpoch(base + (i / 4) * 1000, Qt::UTC);
            if (m.copyState == CopyState::Failed) {
                m.copyErrorClass = QStringLiteral("quota");
                m.copyError = i % 3 ? QStringLiteral("Quota exceeded") : QStringLiteral("full");
                if (i % 5)
                    m.copyNextAttemptAt = QDateTime::fromMSecsSinceEpoch(base + i * 1000, Qt::UTC);
            }
            if (m.copyState == CopyState::Copied)
                m.copyUid = quint32(i % 4);
            messages << m;
        }
        json::SummaryObjects objects;
        for (const MessageSummary &m : std::as_const(messages)) {
            const QByteArray expected = compact(reference(m));
            QCOMPARE(compact(objects.of(m)), expected);
            QCOMPARE(compact(json::summary(m)), expected);
        }
        // A copy kept by the caller is not changed by the next message.
        json::SummaryObjects again;
        const QJsonObject kept = again.of(messages.at(0));
        again.of(messages.at(1));
        QCOMPARE(compact(kept), compact(reference(messages.at(0))));
    }
};

QTEST_GUILESS_MAIN(TestMessageJson)
#include "tst_messagejson.moc"
